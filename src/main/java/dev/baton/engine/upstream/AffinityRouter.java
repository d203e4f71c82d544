package dev.baton.engine.upstream;

import dev.baton.engine.EngineException;
import dev.baton.engine.EngineRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Picks the endpoint of a turn so that a chain's prefix stays warm in one engine's KV cache:
 * <ol>
 *   <li>the chain's home (the endpoint that served its first turn) while it is up;</li>
 *   <li>otherwise rendezvous hashing of the chain's affinity key over the endpoints that serve the
 *       model and are up — so every Baton replica picks the same one, a failed-over chain stays on
 *       its substitute, and chains that share a {@code prompt_cache_key} share an endpoint;</li>
 *   <li>when the home is up again the chain returns to it.</li>
 * </ol>
 * Endpoints that already failed this turn are tried last; when nothing is up the best-ranked
 * endpoint is tried anyway (a probe may lag). Decisions are counted in
 * {@code baton_upstream_routes_total{endpoint, route=home|new|failover}}.
 */
public final class AffinityRouter {

    /** A routing decision. */
    record Route(Endpoint endpoint, String kind) {
        static final String HOME = "home";
        static final String NEW = "new";
        static final String FAILOVER = "failover";
    }

    private final List<Endpoint> endpoints;
    private final EndpointHealth health;
    private final MeterRegistry metrics;
    private final Map<String, Counter> routes = new ConcurrentHashMap<>();

    AffinityRouter(List<Endpoint> endpoints, EndpointHealth health, MeterRegistry metrics) {
        this.endpoints = endpoints;
        this.health = health;
        this.metrics = metrics;
    }

    boolean serves(String model) {
        return endpoints.stream().anyMatch(e -> e.serves(model));
    }

    Route route(EngineRequest request, Set<String> failedThisTurn) {
        EngineRequest.ChainPosition chain = request.chain();
        String home = chain.homeEndpoint();
        List<Endpoint> candidates = new ArrayList<>();
        Endpoint homeEndpoint = null;
        for (Endpoint endpoint : endpoints) {
            if (endpoint.serves(request.model())) {
                candidates.add(endpoint);
                if (endpoint.name().equals(home)) {
                    homeEndpoint = endpoint;
                }
            }
        }
        if (candidates.isEmpty()) {
            throw new EngineException("model_not_found", "No upstream endpoint serves model '" + request.model() + "'.");
        }
        if (homeEndpoint != null && health.isUp(homeEndpoint) && !failedThisTurn.contains(home)) {
            return count(new Route(homeEndpoint, Route.HOME));
        }
        String key = chain.affinityKey();
        candidates.sort(Comparator.comparingLong((Endpoint e) -> score(key, e.name())).reversed());
        Endpoint chosen = first(candidates, e -> health.isUp(e) && !failedThisTurn.contains(e.name()));
        if (chosen == null) {
            chosen = first(candidates, e -> !failedThisTurn.contains(e.name()));
        }
        if (chosen == null) {
            chosen = candidates.get(0);
        }
        String kind = chosen.name().equals(home) ? Route.HOME
                : home != null || !failedThisTurn.isEmpty() ? Route.FAILOVER : Route.NEW;
        return count(new Route(chosen, kind));
    }

    private Route count(Route route) {
        routes.computeIfAbsent(route.endpoint().name() + '\u0000' + route.kind(), key -> Counter
                .builder("baton_upstream_routes_total")
                .description("Turns routed to an upstream endpoint: home (chain affinity), new chain, failover")
                .tag("endpoint", route.endpoint().name()).tag("route", route.kind())
                .register(metrics)).increment();
        return route;
    }

    private static Endpoint first(List<Endpoint> ranked, java.util.function.Predicate<Endpoint> usable) {
        for (Endpoint endpoint : ranked) {
            if (usable.test(endpoint)) {
                return endpoint;
            }
        }
        return null;
    }

    /** Rendezvous (highest random weight) score: FNV-1a over key and name, then a 64-bit finaliser. */
    public static long score(String key, String endpoint) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : (key + '\u0000' + endpoint).getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        hash *= 0xc4ceb9fe1a85ec53L;
        hash ^= hash >>> 33;
        return hash;
    }
}
