package dev.baton.replicas;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.FakeResponsesServer;
import dev.baton.engine.upstream.AffinityRouter;
import dev.baton.support.Metrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two Baton replicas sharing one Redis in front of two upstream engine replicas (fake Responses
 * servers with a prefix-cache model): a chain stays on the engine that served its first turn
 * whichever Baton replica serves the turn, fails over to the other engine when its home dies, and
 * returns home when the home is back.
 */
class UpstreamAffinityIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static JsonNode create(Cluster.Replica replica, Map<String, Object> body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + replica.port + "/v1/responses"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode json = JSON.readTree(response.body());
        assertEquals("completed", json.path("status").asText(), response.body());
        return json;
    }

    private static JsonNode turn(Cluster.Replica replica, String previous, String text) throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("model", "fake-model", "input", text));
        if (previous != null) {
            body.put("previous_response_id", previous);
        }
        return create(replica, body);
    }

    /** Which engine wrote the answer ("Hello from up-a ✓"). */
    private static String servedBy(JsonNode response) {
        String text = response.at("/output/0/content/0/text").asText();
        return text.contains("up-a") ? "up-a" : text.contains("up-b") ? "up-b" : "?";
    }

    /** Whether rendezvous hashing alone would route a chain with this first response id to {@code endpoint}. */
    private static boolean prefers(String firstResponseId, String endpoint) {
        String other = endpoint.equals("up-a") ? "up-b" : "up-a";
        return AffinityRouter.score(firstResponseId, endpoint) > AffinityRouter.score(firstResponseId, other);
    }

    private static long cached(JsonNode response) {
        return response.at("/usage/input_tokens_details/cached_tokens").asLong();
    }

    private static Path upstreamsFile(FakeResponsesServer a, FakeResponsesServer b) throws Exception {
        Path file = Files.createTempFile("baton-upstreams", ".yaml");
        Files.writeString(file, """
                endpoints:
                  - name: up-a
                    url: %s
                    protocol: openai-responses
                    models: [fake-model]
                  - name: up-b
                    url: %s
                    protocol: openai-responses
                    models: [fake-model]
                """.formatted(a.url(), b.url()));
        return file;
    }

    @Test
    void aChainKeepsItsEngineAcrossBatonReplicasFailsOverAndReturns() throws Exception {
        try (FakeResponsesServer a = new FakeResponsesServer("up-a", null).start(0);
             FakeResponsesServer b = new FakeResponsesServer("up-b", null).start(0)) {
            Map<String, FakeResponsesServer> engines = Map.of("up-a", a, "up-b", b);
            Map<String, String> env = Map.of("BATON_UPSTREAMS", upstreamsFile(a, b).toString(),
                    "BATON_UPSTREAM_HEALTH_INTERVAL", "200ms", "BATON_UPSTREAM_RETRIES", "2");
            try (Cluster cluster = Cluster.start(2, env)) {
                Cluster.Replica one = cluster.replicas().get(0);
                Cluster.Replica two = cluster.replicas().get(1);

                // new chains spread over both engines (rendezvous on their first response id)
                JsonNode first = null;
                for (int i = 0; i < 24 && (first == null || servedBy(first).equals("up-b")); i++) {
                    first = turn(one, null, "[text] chain " + i);
                }
                assertEquals("up-a", servedBy(first), "some new chain lands on up-a");
                String home = "up-a";

                // the next turn on the other Baton replica: its parent (with the affinity) comes from Redis
                JsonNode second = turn(two, first.path("id").asText(), "[text] second");
                assertEquals(home, servedBy(second));
                assertEquals(20, cached(second), "the home engine still holds the chain's prefix");

                // the home engine dies: the chain fails over, and stays on its substitute from either replica
                engines.get(home).stop();
                // meanwhile a new chain that hashing would send to up-a starts on up-b, which becomes its home
                JsonNode bornElsewhere = null;
                for (int i = 0; i < 200 && bornElsewhere == null; i++) {
                    JsonNode candidate = turn(one, null, "[text] born while up-a is down " + i);
                    if (prefers(candidate.path("id").asText(), "up-a")) {
                        bornElsewhere = candidate;
                    }
                }
                assertEquals("up-b", servedBy(bornElsewhere));
                JsonNode third = turn(one, second.path("id").asText(), "[text] third");
                assertEquals("up-b", servedBy(third));
                JsonNode fourth = turn(two, third.path("id").asText(), "[text] fourth");
                assertEquals("up-b", servedBy(fourth));
                assertEquals(60, cached(fourth), "the substitute kept what it served");
                double failovers = Metrics.sum(one.metrics(), "baton_upstream_routes_total", "route=\"failover\"")
                        + Metrics.sum(two.metrics(), "baton_upstream_routes_total", "route=\"failover\"");
                assertTrue(failovers >= 2, "failovers are counted: " + failovers);

                // the home is back: both replicas see it up, and the chain returns to it
                engines.get(home).start(engines.get(home).port());
                for (Cluster.Replica replica : List.of(one, two)) {
                    await().atMost(Duration.ofSeconds(15)).until(() -> Metrics.sum(replica.metrics(),
                            "baton_upstream_up", "endpoint=\"" + home + "\"") == 1.0);
                }
                JsonNode fifth = turn(two, fourth.path("id").asText(), "[text] fifth");
                assertEquals(home, servedBy(fifth));
                assertEquals(40, cached(fifth), "home still holds the prefix it served before the failover");
                // the chain born on up-b stays there (its home travelled through Redis), although hashing prefers up-a
                JsonNode stays = turn(two, bornElsewhere.path("id").asText(), "[text] still here?");
                assertEquals("up-b", servedBy(stays));
                assertEquals(20, cached(stays));

                // a shared prompt_cache_key routes chains to one engine, whichever replica starts them
                Map<String, Object> shared = new HashMap<>(Map.of("model", "fake-model", "input", "[text] shared",
                        "prompt_cache_key", "team-prompt-v1"));
                String engine = servedBy(create(one, shared));
                for (int i = 0; i < 4; i++) {
                    assertEquals(engine, servedBy(create(i % 2 == 0 ? two : one, shared)));
                }
            }
        }
    }
}
