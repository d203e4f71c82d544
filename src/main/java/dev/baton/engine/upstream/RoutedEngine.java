package dev.baton.engine.upstream;

import dev.baton.config.Secrets;
import dev.baton.config.BatonConfig;
import dev.baton.engine.Engine;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineRequest;
import dev.baton.engine.tokens.OutputParsers;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Typed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The engine for real upstreams: routes each turn to an endpoint ({@link AffinityRouter}), speaks
 * the endpoint's protocol ({@link UpstreamProtocol}) and retries a failure before the first token,
 * on another endpoint when one is up. Endpoints come from the {@code BATON_UPSTREAMS} file, or are
 * the single {@code BATON_UPSTREAM_URL} speaking {@code BATON_ENGINE}'s protocol.
 */
@ApplicationScoped
@Typed(RoutedEngine.class)
public class RoutedEngine implements Engine {

    private static final Logger LOG = Logger.getLogger(RoutedEngine.class);

    private final String name;
    private final List<Endpoint> endpoints;
    private final Map<String, UpstreamProtocol> protocols = new HashMap<>();
    private final EndpointHealth health;
    private final AffinityRouter router;
    private final BatonConfig.Upstream settings;
    private final HttpClient probes;

    public RoutedEngine(Vertx vertx, BatonConfig config, MeterRegistry metrics, @Any Instance<UpstreamProtocol> available) {
        this.settings = config.upstream();
        if (config.upstreams().isPresent()) {
            this.name = "upstreams";
            this.endpoints = EndpointsFile.load(Path.of(config.upstreams().get()), settings.healthPath(), System::getenv);
        } else {
            this.name = config.engine();
            this.endpoints = List.of(single(config));
        }
        available.forEach(protocol -> protocols.put(protocol.protocol(), protocol));
        for (Endpoint endpoint : endpoints) {
            if (!protocols.containsKey(endpoint.protocol())) {
                throw new IllegalStateException("Upstream endpoint " + endpoint.name() + " speaks " + endpoint.protocol()
                        + ", which this build does not provide (" + protocols.keySet() + ").");
            }
            protocols.get(endpoint.protocol()).prepare(endpoint); // reads and checks its files now: at start
        }
        this.probes = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(Math.max(4, endpoints.size())));
        this.health = new EndpointHealth(vertx, probes, endpoints, settings.healthInterval(), metrics);
        this.router = new AffinityRouter(endpoints, health, metrics);
        health.start();
        endpoints.forEach(e -> LOG.infof("Upstream endpoint %s: %s %s over %s, models %s", e.name(), e.protocol(),
                Secrets.redact(e.baseUrl()), e.transport(), e.models().isEmpty() ? "any" : e.models()));
    }

    private static Endpoint single(BatonConfig config) {
        BatonConfig.Upstream upstream = config.upstream();
        String url = upstream.url().orElseThrow(() -> new IllegalStateException("BATON_ENGINE=" + config.engine()
                + " needs BATON_UPSTREAM_URL (e.g. http://localhost:8000/v1), or BATON_UPSTREAMS naming an endpoints file"));
        Map<String, String> headers = new HashMap<>();
        upstream.apiKey().ifPresent(key -> headers.put("authorization", "Bearer " + key));
        String transport = upstream.transport();
        if (!transport.equals(Endpoint.HTTP) && !(transport.equals(Endpoint.WEBSOCKET) && config.engine().equals(Endpoint.RESPONSES))) {
            throw new IllegalStateException("BATON_UPSTREAM_TRANSPORT must be http, or websocket with BATON_ENGINE=openai-responses");
        }
        // BATON_UPSTREAM_MODELS limits what is served, unless BATON_UPSTREAM_MODEL renames every request's model
        List<String> served = upstream.model().isPresent() ? List.of() : upstream.models().orElse(List.of());
        if (config.engine().equals(Endpoint.COMPLETIONS) && upstream.tokenizer().isEmpty()) {
            throw new IllegalStateException("BATON_ENGINE=openai-completions needs BATON_UPSTREAM_TOKENIZER, the model's "
                    + "tokenizer folder (tokenizer.json and tokenizer_config.json)");
        }
        if (upstream.outputParser().isPresent() && !OutputParsers.NAMES.contains(upstream.outputParser().get())) {
            throw new IllegalStateException("BATON_UPSTREAM_OUTPUT_PARSER must be one of "
                    + String.join(", ", OutputParsers.NAMES) + ", not " + upstream.outputParser().get());
        }
        return new Endpoint("upstream", config.engine(), transport, Endpoint.normalise(url), headers,
                served, upstream.model().orElse(null), upstream.healthPath(), upstream.tokenizer().orElse(null),
                upstream.chatTemplate().orElse(null), upstream.outputParser().orElse(null));
    }

    @PreDestroy
    void stop() {
        health.stop();
        probes.close();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> models() {
        Set<String> models = new LinkedHashSet<>();
        endpoints.forEach(e -> models.addAll(e.models()));
        if (models.isEmpty()) {
            settings.models().ifPresent(models::addAll);
            settings.model().ifPresent(models::add);
        }
        return List.copyOf(models);
    }

    @Override
    public boolean serves(String model) {
        return router.serves(model);
    }

    @Override
    public Map<String, Boolean> endpointHealth() {
        return health.snapshot();
    }

    @Override
    public Multi<EngineEvent> stream(EngineRequest request) {
        Set<String> failed = ConcurrentHashMap.newKeySet();
        AtomicBoolean started = new AtomicBoolean();
        Multi<EngineEvent> first = Multi.createFrom().deferred(() -> attempt(request, failed, started));
        if (settings.retries() <= 0) {
            return first;
        }
        return first.onFailure(failure -> !started.get() && failure instanceof UpstreamFailure.Retryable).retry()
                .withBackOff(Duration.ofMillis(50), Duration.ofSeconds(2)).atMost(settings.retries());
    }

    private Multi<EngineEvent> attempt(EngineRequest request, Set<String> failed, AtomicBoolean started) {
        Endpoint endpoint = router.route(request, failed).endpoint();
        Multi<EngineEvent> generated = protocols.get(endpoint.protocol()).stream(request, endpoint)
                .onItem().invoke(event -> started.set(true))
                .onFailure().invoke(failure -> {
                    if (started.get()) {
                        return;
                    }
                    failed.add(endpoint.name());
                    if (failure instanceof UpstreamFailure.Unreachable) {
                        health.unreachable(endpoint, failure.getMessage());
                    }
                });
        return Multi.createBy().concatenating().streams(
                Multi.createFrom().item(new EngineEvent.Routed(endpoint.name())), generated);
    }
}
