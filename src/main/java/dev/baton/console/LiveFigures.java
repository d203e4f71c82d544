package dev.baton.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.BatonConfig;
import dev.baton.events.UsageEvent;
import dev.baton.events.UsageTally;
import dev.baton.session.RedisTier;
import dev.baton.session.TenantId;
import dev.baton.session.TieredChainStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The console's live view: every {@code BATON_CONSOLE_LIVE_INTERVAL} it samples this replica's meters (never the turn
 * path: it reads what the turns already count), keeps the last {@value #WINDOW} samples, and pushes one JSON figure per
 * viewer to the open live streams — at most {@code BATON_CONSOLE_MAX_LIVE_STREAMS}. Rates and percentiles are over
 * the window; an operator sees the replica, a tenant its own usage only.
 */
@ApplicationScoped
public class LiveFigures {

    /** Samples kept: rates and percentiles cover this many intervals. */
    static final int WINDOW = 60;
    /** Latest finished responses shown. */
    static final int RECENT_SHOWN = 20;
    private static final String OVERHEAD = "baton_gateway_overhead_seconds";

    private record Sample(long atNanos, double responses, Map<String, OverheadWindow.Buckets> firstEvent,
                          double hotHits, double redisHits, double misses) {
    }

    /**
     * An open live stream: who watches (and the key that let them in, checked again on every figure: a revoked key
     * ends its streams), what it receives, and how it ends.
     */
    public static final class Subscription {
        private volatile Viewer viewer;
        private final String authorization;
        private final Consumer<String> sink;
        private final Runnable end;

        Subscription(Viewer viewer, String authorization, Consumer<String> sink, Runnable end) {
            this.viewer = viewer;
            this.authorization = authorization;
            this.sink = sink;
            this.end = end;
        }
    }

    private final MeterRegistry meters;
    private final ReplicaIdentity replica;
    private final UsageTally usage;
    private final TieredChainStore store;
    private final ObjectMapper json;
    private final Vertx vertx;
    private final BatonConfig config;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private final Set<Subscription> streams = ConcurrentHashMap.newKeySet();
    private volatile ObjectNode redisState;
    private long timer = -1;

    private final ConsoleAccess access;

    public LiveFigures(MeterRegistry meters, ReplicaIdentity replica, UsageTally usage, TieredChainStore store,
                       ObjectMapper json, Vertx vertx, BatonConfig config, ConsoleAccess access) {
        this.access = access;
        this.meters = meters;
        this.replica = replica;
        this.usage = usage;
        this.store = store;
        this.json = json;
        this.vertx = vertx;
        this.config = config;
        this.redisState = json.createObjectNode().put("configured", store.redisEnabled());
        meters.gauge("baton_console_live_streams", streams, Set::size);
    }

    void start(@Observes StartupEvent start) {
        if (config.console().enabled()) {
            long every = Math.max(100, config.console().liveInterval().toMillis());
            sample();
            timer = vertx.setPeriodic(every, id -> tick());
        }
    }

    void stop(@Observes ShutdownEvent stop) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        streams.forEach(stream -> stream.end.run()); // open streams would hold the shutdown until its timeout
        streams.clear();
    }

    /**
     * Opens a live stream for {@code viewer}, let in by {@code authorization}: its first figure now, then one per
     * interval. {@code null} when the replica holds its maximum of live streams, or this tenant its share of them
     * (a quarter), so one tenant cannot take every stream.
     */
    public Subscription subscribe(Viewer viewer, String authorization, Consumer<String> sink, Runnable end) {
        synchronized (streams) {
            int max = config.console().maxLiveStreams();
            long ofTenant = viewer.seesEveryTenant() ? 0
                    : streams.stream().filter(stream -> viewer.equals(stream.viewer)).count();
            if (streams.size() >= max || ofTenant >= perTenantStreams(max)) {
                return null;
            }
            Subscription subscription = new Subscription(viewer, authorization, sink, end);
            streams.add(subscription);
            sink.accept(figureText(viewer));
            return subscription;
        }
    }

    /** Live streams one tenant's key may hold: a quarter of the replica's, at least one. */
    static int perTenantStreams(int maxLiveStreams) {
        return Math.max(1, maxLiveStreams / 4);
    }

    public void unsubscribe(Subscription subscription) {
        streams.remove(subscription);
    }

    public int liveStreams() {
        return streams.size();
    }

    private void tick() {
        sample();
        pingRedis();
        Map<Viewer, String> byViewer = new HashMap<>();
        for (Subscription stream : streams) {
            if (!stillAdmitted(stream)) {
                streams.remove(stream);
                stream.end.run();
                continue;
            }
            stream.sink.accept(byViewer.computeIfAbsent(stream.viewer, this::figureText));
        }
    }

    /** Whether the stream's key still lets its viewer in, as it did (a key file reload may have revoked it). */
    private boolean stillAdmitted(Subscription stream) {
        try {
            return stream.viewer.equals(access.viewer(stream.authorization));
        } catch (RuntimeException revoked) {
            return false;
        }
    }

    private String figureText(Viewer viewer) {
        try {
            return json.writeValueAsString(figure(viewer));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the figures are plain data", e);
        }
    }

    private synchronized void sample() {
        samples.addLast(takeSample());
        while (samples.size() > WINDOW + 1) {
            samples.removeFirst();
        }
    }

    private Sample takeSample() {
        Map<String, OverheadWindow.Buckets> firstEvent = new TreeMap<>();
        for (Timer timer : Search.in(meters).name(OVERHEAD).tag("stage", "first_event").timers()) {
            firstEvent.put(timer.getId().getTag("transport"), OverheadWindow.Buckets.of(timer.takeSnapshot()));
        }
        return new Sample(System.nanoTime(), counted("baton_responses_total"), firstEvent,
                counted("baton_store_hits_total", "tier", "hot"), counted("baton_store_hits_total", "tier", "redis"),
                counted("baton_store_misses_total"));
    }

    private void pingRedis() {
        RedisTier redis = store.redis();
        if (redis == null) {
            return;
        }
        long started = System.nanoTime();
        redis.ping().subscribe().with(
                ok -> redisState = json.createObjectNode().put("configured", true).put("reachable", true)
                        .put("ping_ms", round((System.nanoTime() - started) / 1e6)),
                failure -> redisState = json.createObjectNode().put("configured", true).put("reachable", false)
                        .put("error", failure.getClass().getSimpleName()));
    }

    /** The figure {@code viewer} sees now. */
    public synchronized ObjectNode figure(Viewer viewer) {
        ObjectNode figure = json.createObjectNode();
        figure.put("at", System.currentTimeMillis());
        figure.set("replica", identity(viewer));
        ArrayNode tenants = tenants(viewer);
        if (viewer.seesEveryTenant()) {
            replicaFigures(figure, tenants);
        }
        figure.set("tenants", tenants);
        figure.set("recent", recent(viewer));
        return figure;
    }

    /**
     * Version, replica, engine, models, state tier, and for operators the upstream endpoints (a name can be an
     * upstream's host and port): no secret.
     */
    public ObjectNode identity(Viewer viewer) {
        ObjectNode node = json.createObjectNode();
        node.put("version", replica.version()).put("replica", replica.replica())
                .put("started_at", replica.startedAtMillis()).put("engine", replica.engine())
                .put("simulated", replica.simulated()).put("state", replica.stateTier());
        ArrayNode models = node.putArray("models");
        replica.models().forEach(models::add);
        ArrayNode endpoints = node.putArray("endpoints");
        if (viewer.seesEveryTenant()) {
            replica.endpoints().forEach((name, up) -> endpoints.addObject().put("name", name).put("up", up));
        }
        return node;
    }

    /** The replica's figures: now, against the oldest sample of the window. */
    private void replicaFigures(ObjectNode figure, ArrayNode tenants) {
        Sample now = takeSample();
        Sample then = samples.isEmpty() ? now : samples.peekFirst();
        double seconds = now == then ? 0 : (now.atNanos() - then.atNanos()) / 1e9;
        figure.put("window_seconds", round(seconds));
        ObjectNode turns = figure.putObject("turns");
        turns.put("per_second", seconds == 0 ? 0 : round((now.responses() - then.responses()) / seconds));
        ObjectNode byStatus = turns.putObject("by_status");
        for (Counter counter : Search.in(meters).name("baton_responses_total").counters()) {
            byStatus.put(counter.getId().getTag("status"), (long) counter.count());
        }
        ObjectNode overhead = figure.putObject("overhead_ms");
        now.firstEvent().forEach((transport, later) -> {
            OverheadWindow.Buckets earlier = then.firstEvent().getOrDefault(transport, OverheadWindow.Buckets.EMPTY);
            ObjectNode one = overhead.putObject(transport);
            one.put("turns", OverheadWindow.count(earlier, later));
            putMillis(one, "p50", OverheadWindow.quantileMillis(earlier, later, 0.50));
            putMillis(one, "p99", OverheadWindow.quantileMillis(earlier, later, 0.99));
        });
        figure.putObject("sockets").put("open", gauge("baton_ws_connections"))
                .put("in_flight", gauge("baton_ws_in_flight_responses"))
                .put("queued", gauge("baton_ws_queued_creates"))
                .put("outbound_pending_bytes", gauge("baton_ws_outbound_pending_bytes"))
                .put("draining", gauge("baton_draining") > 0);
        ObjectNode hot = figure.putObject("hot_cache");
        hot.put("bytes", gauge("baton_hot_cache_bytes")).put("max_bytes", config.store().hotCacheBytes());
        double hits = now.hotHits() - then.hotHits();
        double lookups = hits + now.redisHits() - then.redisHits() + now.misses() - then.misses();
        hot.put("lookups", (long) lookups);
        putRatio(hot, "hit_rate", hits, lookups);
        ObjectNode redis = redisState.deepCopy();
        if (store.redisEnabled()) {
            redis.put("pending_writes", gauge("baton_redis_pending_writes"))
                    .put("errors", (long) counted("baton_redis_errors_total"))
                    .put("dropped_writes", (long) counted("baton_redis_dropped_writes_total"));
        }
        figure.set("redis", redis);
        double reused = counted("baton_prompt_tokens_total", "source", "reused");
        double tokenized = counted("baton_prompt_tokens_total", "source", "tokenized");
        ObjectNode prompt = figure.putObject("prompt_tokens").put("reused", (long) reused).put("tokenized", (long) tokenized);
        putRatio(prompt, "reused_share", reused, reused + tokenized);
        long input = 0;
        long cached = 0;
        for (JsonNode tenant : tenants) { // the sums the tenant table already made
            input += tenant.path("input_tokens").asLong();
            cached += tenant.path("cached_tokens").asLong();
        }
        putRatio(prompt, "engine_cached_share", cached, input);
        figure.putObject("prefix_index").put("bytes", gauge("baton_prefix_index_bytes"))
                .put("hits", (long) counted("baton_prefix_index_lookups_total", "result", "hit"))
                .put("lookups", (long) counted("baton_prefix_index_lookups_total"))
                .put("reused_items", (long) counted("baton_prefix_index_reused_items_total"));
        ObjectNode verdicts = figure.putObject("safety").putObject("verdicts");
        for (Counter counter : Search.in(meters).name("baton_safety_verdicts_total").counters()) {
            String result = counter.getId().getTag("result");
            verdicts.put(result, verdicts.path(result).asLong() + (long) counter.count());
        }
        figure.putObject("background").put("running", gauge("baton_background_running"));
        figure.put("live_streams", streams.size());
    }

    private ArrayNode tenants(Viewer viewer) {
        ArrayNode tenants = json.createArrayNode();
        Map<String, Map<String, UsageTally.Sums>> all = viewer.seesEveryTenant() ? usage.byTenant()
                : Map.of(viewer.tenant().value(), usage.ofTenant(viewer.tenant().value()));
        all.forEach((tenant, byTransport) -> {
            ObjectNode node = tenants.addObject().put("tenant", tenant);
            long responses = 0;
            long input = 0;
            long cached = 0;
            long output = 0;
            ObjectNode transports = json.createObjectNode();
            for (Map.Entry<String, UsageTally.Sums> entry : byTransport.entrySet()) {
                UsageTally.Sums sums = entry.getValue();
                responses += sums.responses();
                input += sums.inputTokens();
                cached += sums.cachedTokens();
                output += sums.outputTokens();
                transports.put(entry.getKey(), sums.responses());
            }
            node.put("responses", responses).put("input_tokens", input).put("cached_tokens", cached)
                    .put("output_tokens", output);
            node.set("by_transport", transports);
        });
        return tenants;
    }

    private ArrayNode recent(Viewer viewer) {
        ArrayNode recent = json.createArrayNode();
        for (UsageEvent event : usage.latest(UsageTally.RECENT_KEPT)) {
            if (recent.size() == RECENT_SHOWN) {
                break;
            }
            if (viewer.seesEveryTenant() || viewer.tenant().value().equals(event.tenant())) {
                recent.add(turn(viewer, event));
            }
        }
        return recent;
    }

    /** A response among this replica's latest that {@code viewer} may see, or {@code null}. */
    public ObjectNode recentTurn(Viewer viewer, String responseId) {
        UsageEvent event = usage.recent(responseId);
        return event == null || !viewer.sees(new TenantId(event.tenant())) ? null : turn(viewer, event);
    }

    /** One finished response as {@code viewer} sees it (the upstream endpoint only for operators). */
    public ObjectNode turn(Viewer viewer, UsageEvent event) {
        ObjectNode node = json.createObjectNode().put("response_id", event.responseId()).put("tenant", event.tenant())
                .put("model", event.model()).put("transport", event.transport()).put("status", event.status())
                .put("input_tokens", event.inputTokens()).put("cached_tokens", event.cachedTokens())
                .put("output_tokens", event.outputTokens()).put("duration_ms", event.durationMs())
                .put("finished_at", event.finishedAt());
        if (viewer.seesEveryTenant()) {
            node.put("endpoint", event.endpoint());
        }
        if (event.ttftMs() == null) {
            node.putNull("ttft_ms");
        } else {
            node.put("ttft_ms", event.ttftMs());
        }
        if (event.gatewayOverheadUs() == null) {
            node.putNull("gateway_overhead_ms");
        } else {
            node.put("gateway_overhead_ms", round(event.gatewayOverheadUs() / 1000.0));
        }
        return node;
    }

    private double counted(String name, String... tags) {
        double sum = 0;
        for (Counter counter : Search.in(meters).name(name).tags(tags).counters()) {
            sum += counter.count();
        }
        return sum;
    }

    private long gauge(String name) {
        double sum = 0;
        for (Gauge gauge : Search.in(meters).name(name).gauges()) {
            double value = gauge.value();
            sum += Double.isNaN(value) ? 0 : value;
        }
        return (long) sum;
    }

    private static void putMillis(ObjectNode node, String field, double millis) {
        if (Double.isNaN(millis)) {
            node.putNull(field);
        } else {
            node.put(field, Math.round(millis * 1000) / 1000.0);
        }
    }

    private static void putRatio(ObjectNode node, String field, double part, double whole) {
        if (whole <= 0) {
            node.putNull(field);
        } else {
            node.put(field, Math.round(part / whole * 1000) / 1000.0);
        }
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
