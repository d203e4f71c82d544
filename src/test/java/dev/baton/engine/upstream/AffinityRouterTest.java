package dev.baton.engine.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.engine.EngineException;
import dev.baton.engine.EngineRequest;
import dev.baton.render.RenderedContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AffinityRouterTest {

    private final Vertx vertx = Vertx.vertx();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final List<Endpoint> endpoints = List.of(endpoint("e0", List.of("m")), endpoint("e1", List.of("m")),
            endpoint("e2", List.of("special")));
    // never started: only passive marks change it
    private final EndpointHealth health = new EndpointHealth(vertx, vertx.createHttpClient(), endpoints,
            Duration.ofHours(1), metrics);
    private final AffinityRouter router = new AffinityRouter(endpoints, health, metrics);

    @AfterEach
    void close() {
        vertx.close();
    }

    private static Endpoint endpoint(String name, List<String> models) {
        return new Endpoint(name, Endpoint.CHAT, Endpoint.HTTP, URI.create("http://127.0.0.1:1/" + name + "/"),
                Map.of(), models, null, "models");
    }

    private static EngineRequest request(String model, String key, String home) {
        return new EngineRequest(model, null, List.of(), null, RenderedContext.EMPTY, new byte[32], null, null,
                true, null, null, null, null, null, null, null, List.of(), new EngineRequest.ChainPosition("resp_x", null, 1, key, home));
    }

    private String route(String key, String home) {
        return router.route(request("m", key, home), Set.of()).endpoint().name();
    }

    private double routes(String kind) {
        return metrics.find("baton_upstream_routes_total").tag("route", kind).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    @Test
    void newChainsSpreadDeterministicallyOverTheEndpointsOfTheirModel() {
        Map<String, Integer> spread = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            String chosen = route("resp_" + i, null);
            assertEquals(chosen, route("resp_" + i, null), "the same key always picks the same endpoint");
            spread.merge(chosen, 1, Integer::sum);
        }
        assertEquals(Set.of("e0", "e1"), spread.keySet(), "e2 does not serve model m");
        assertTrue(spread.get("e0") > 120 && spread.get("e1") > 120, spread.toString());
        assertEquals(800, routes(AffinityRouter.Route.NEW));
    }

    @Test
    void aChainStaysHomeFailsOverWhileHomeIsDownAndReturns() {
        String key = "resp_chain";
        String natural = route(key, null);
        String home = natural.equals("e0") ? "e1" : "e0"; // a home that hashing alone would not pick
        assertEquals(home, route(key, home));
        health.unreachable(endpoints.get(home.equals("e0") ? 0 : 1), "test");
        assertEquals(natural, route(key, home));
        assertEquals(1, routes(AffinityRouter.Route.FAILOVER));
        health.markUp(endpoints.get(home.equals("e0") ? 0 : 1));
        assertEquals(home, route(key, home));
        assertEquals(2, routes(AffinityRouter.Route.HOME));
    }

    @Test
    void anEndpointThatFailedThisTurnIsTriedLast() {
        String first = route("resp_k", null);
        String retried = router.route(request("m", "resp_k", null), Set.of(first)).endpoint().name();
        assertNotEquals(first, retried);
        assertEquals(1, routes(AffinityRouter.Route.FAILOVER));
    }

    @Test
    void whenNothingIsUpTheBestRankedEndpointIsTriedAnyway() {
        endpoints.forEach(e -> health.unreachable(e, "test"));
        assertEquals("e2", router.route(request("special", "k", null), Set.of()).endpoint().name());
    }

    @Test
    void aModelNoEndpointServesIsRefused() {
        assertThrows(EngineException.class, () -> router.route(request("unknown", "k", null), Set.of()));
        assertTrue(router.serves("m"));
        assertTrue(router.serves("special"));
    }
}
