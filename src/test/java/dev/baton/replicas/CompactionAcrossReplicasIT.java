package dev.baton.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.compaction.CompactionSeal;
import dev.baton.support.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two replicas from the built jar sharing one Redis and no {@code BATON_COMPACTION_KEYS}: a conversation compacted on
 * one continues on the other over HTTP and WebSocket, and after both restart, with the summary intact (a later
 * compaction's summary, written by the simulator, quotes the earlier one whole); a stored conversation whose compaction
 * key was lost is refused with {@code invalid_encrypted_content}, never continued without its history.
 */
class CompactionAcrossReplicasIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String KEY = "baton:compaction:key";
    private static final Map<String, String> ENV = Map.of("BATON_SIMULATOR_TTFT_MS", "0",
            "BATON_SIMULATOR_TOKENS_PER_SECOND", "0", "BATON_SIMULATOR_PREFILL_US_PER_TOKEN", "0");
    private static final String FIRST_SUMMARY =
            "[Summary of 3 user messages: The build uses Maven 3.9 | Tests need redis-server | Ship it on Friday]";

    private static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.start(2, ENV);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Cluster.Replica replica(int index) {
        return cluster.replicas().get(index);
    }

    private static HttpResponse<String> post(Cluster.Replica replica, String path, Map<String, Object> body)
            throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(replica.url() + path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(HttpResponse<String> response) throws Exception {
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static Map<String, Object> create(String previous, Object input) {
        Map<String, Object> body = new HashMap<>(Map.of("model", "baton-simulator", "input", input));
        if (previous != null) {
            body.put("previous_response_id", previous);
        }
        return body;
    }

    private static Object trigger() {
        return List.of(Map.of("type", "compaction_trigger"));
    }

    /** A three-turn chain on {@code replica}, compacted there on demand: the id of the compacted response. */
    private static String compactedChain(Cluster.Replica replica) throws Exception {
        String previous = null;
        for (String text : List.of("The build uses Maven 3.9", "Tests need redis-server", "Ship it on Friday")) {
            previous = ok(post(replica, "/v1/responses", create(previous, text))).path("id").asText();
        }
        JsonNode compacted = ok(post(replica, "/v1/responses", create(previous, trigger())));
        assertEquals("compaction", compacted.at("/output/0/type").asText(), compacted.toString());
        return compacted.path("id").asText();
    }

    /** What the engine read for a compaction item: the summary a compaction of {@code responseId} wrote, opened. */
    private static String summaryAfter(Cluster.Replica replica, String responseId) throws Exception {
        JsonNode window = ok(post(replica, "/v1/responses/compact", Map.of("model", "baton-simulator",
                "previous_response_id", responseId)));
        JsonNode item = window.path("output").get(window.path("output").size() - 1);
        return sharedSeal().open(item.path("encrypted_content").asText()).summary();
    }

    /** A seal holding only the key the replicas share through Redis. */
    private static CompactionSeal sharedSeal() {
        String entry = cluster.redis().get(KEY);
        assertNotNull(entry, "the replicas share a key through Redis");
        return new CompactionSeal(List.of(entry));
    }

    private static void restartBoth() {
        for (Cluster.Replica replica : cluster.replicas()) {
            replica.kill();
        }
        for (Cluster.Replica replica : cluster.replicas()) {
            cluster.launch(replica);
        }
    }

    /** Continues {@code previous} over a WebSocket to {@code replica}, then compacts there: the summary, opened. */
    private static String summaryOverWebSocket(Cluster.Replica replica, String previous, String text) {
        try (WsClient ws = WsClient.connect(replica.url())) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "previous_response_id", previous,
                    "input", text));
            JsonNode done = completed(ws.untilTerminal());
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "previous_response_id",
                    done.path("id").asText(), "input", trigger()));
            JsonNode compacted = completed(ws.untilTerminal());
            return sharedSeal().open(compacted.at("/output/0/encrypted_content").asText()).summary();
        }
    }

    private static JsonNode completed(List<JsonNode> frames) {
        JsonNode last = frames.get(frames.size() - 1);
        assertEquals("response.completed", last.path("type").asText(), last.toString());
        return last.path("response");
    }

    @Test
    void aConversationCompactedOnOneReplicaContinuesOnTheOtherAndAfterBothRestart() throws Exception {
        String compacted = compactedChain(replica(0));
        String entry = cluster.redis().get(KEY);

        String onB = ok(post(replica(1), "/v1/responses", create(compacted, "Deploy notes next"))).path("id").asText();
        String overHttp = summaryAfter(replica(1), onB);
        assertTrue(overHttp.contains(FIRST_SUMMARY) && overHttp.contains("Deploy notes next"), overHttp);
        String overWebSocket = summaryOverWebSocket(replica(1), compacted, "Socket notes next");
        assertTrue(overWebSocket.contains(FIRST_SUMMARY) && overWebSocket.contains("Socket notes next"), overWebSocket);

        restartBoth();
        assertEquals(entry, cluster.redis().get(KEY), "a restart keeps the shared key");
        String afterRestart = ok(post(replica(0), "/v1/responses", create(compacted, "Release notes next")))
                .path("id").asText();
        String restartedHttp = summaryAfter(replica(0), afterRestart);
        assertTrue(restartedHttp.contains(FIRST_SUMMARY) && restartedHttp.contains("Release notes next"), restartedHttp);
        String restartedSocket = summaryOverWebSocket(replica(1), onB, "Rollback notes next");
        assertTrue(restartedSocket.contains(FIRST_SUMMARY) && restartedSocket.contains("Deploy notes next")
                && restartedSocket.contains("Rollback notes next"), restartedSocket);

        String material = entry.substring(entry.indexOf(':') + 1);
        for (Cluster.Replica replica : cluster.replicas()) {
            assertFalse(Files.readString(Path.of("target/replica-" + replica.name + ".log")).contains(material),
                    "no replica logs the key");
        }
    }

    @Test
    void aStoredConversationWhoseKeyWasLostIsRefusedNotContinuedWithoutItsHistory() throws Exception {
        String compacted = compactedChain(replica(0));
        JsonNode item = ok(post(replica(0), "/v1/responses/compact", Map.of("model", "baton-simulator",
                "input", "Keep this plan"))).at("/output/1"); // a client keeps this one itself
        String before = cluster.redis().get(KEY);

        // every replica restarts while Redis holds no key: a new one is made, and the old items no longer open
        assertEquals(":1", cluster.redis().command("DEL " + KEY));
        restartBoth();
        assertNotEquals(before, cluster.redis().get(KEY));

        HttpResponse<String> refused = post(replica(1), "/v1/responses", create(compacted, "go on"));
        assertEquals(400, refused.statusCode(), refused.body());
        JsonNode error = JSON.readTree(refused.body()).path("error");
        assertEquals("invalid_encrypted_content", error.path("code").asText());
        assertEquals("previous_response_id", error.path("param").asText());
        assertTrue(error.path("message").asText().contains(compacted), error.toString());
        HttpResponse<String> compact = post(replica(0), "/v1/responses/compact", Map.of("model", "baton-simulator",
                "previous_response_id", compacted));
        assertEquals(400, compact.statusCode(), compact.body());
        try (WsClient ws = WsClient.connect(replica(0).url())) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "previous_response_id", compacted,
                    "input", "go on"));
            JsonNode frame = ws.next();
            assertEquals("invalid_encrypted_content", frame.at("/error/code").asText(), frame.toString());
        }
        HttpResponse<String> sent = post(replica(1), "/v1/responses", create(null, List.of(
                JSON.convertValue(item, Map.class), Map.of("role", "user", "content", "go on"))));
        assertEquals(400, sent.statusCode(), sent.body());
        assertEquals("input[0].encrypted_content", JSON.readTree(sent.body()).at("/error/param").asText());
    }
}
