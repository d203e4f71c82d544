package dev.baton.ws;

import static dev.baton.ws.WebSocketModeTest.completed;
import static dev.baton.ws.WebSocketModeTest.create;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The connection age limit (PROTOCOL.md Part A.10), configured to one second, and the per-connection
 * in-flight and queue limits, configured small; turns take about two seconds.
 */
@QuarkusTest
@TestProfile(WebSocketLifetimeTest.ShortLived.class)
class WebSocketLifetimeTest {

    public static class ShortLived implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // a turn takes about two seconds: ~80 tokens at 40 tokens/s
            return Map.of("baton.ws.max-age", "1s", "baton.simulator.tokens-per-second", "40",
                    "baton.ws.max-in-flight", "2", "baton.ws.max-queued", "2");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Test
    void anIdleConnectionIsToldAndClosedNormally() {
        try (WsClient ws = WsClient.connect(root)) {
            JsonNode error = ws.next();
            assertEquals("error", error.get("type").asText());
            assertEquals(400, error.get("status").asInt());
            assertEquals("websocket_connection_limit_reached", error.at("/error/code").asText());
            assertEquals("Responses websocket connection limit reached (1000 ms). Create a new websocket connection to continue.",
                    error.at("/error/message").asText());
            assertEquals(1000, ws.awaitClose());
        }
    }

    @Test
    void anAgedConnectionRefusesNewCreatesFinishesInFlightWorkThenCloses() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "a long answer please"));
            assertEquals("response.created", ws.next().get("type").asText());
            // the server opened the socket before it created the response: 1.2 s from here is past its 1 s age
            long created = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - created > Duration.ofMillis(1200).toNanos());
            ws.send(create("model", "baton-simulator", "input", "one more", "stream_id", "late"));

            List<JsonNode> rest = ws.until(frame -> frame.get("type").asText().equals("response.completed"));
            JsonNode refusal = rest.stream().filter(f -> f.get("type").asText().equals("error")).findFirst()
                    .orElseThrow(() -> new AssertionError(rest.stream().map(f -> f.get("type").asText()).toList().toString()));
            assertEquals("websocket_connection_limit_reached", refusal.at("/error/code").asText());
            assertFalse(refusal.has("stream_id"));
            completed(rest);
            assertEquals(1000, ws.awaitClose());
        }
    }

    @Test
    void aThirdLaneWaitsForAnInFlightSlot() {
        try (WsClient ws = WsClient.connect(root)) {
            for (String lane : List.of("a", "b", "c")) {
                ws.send(create("model", "baton-simulator", "input", "lane " + lane, "stream_id", lane));
            }
            java.util.Set<String> running = new java.util.HashSet<>();
            int completedCount = 0;
            while (completedCount < 3) {
                JsonNode frame = ws.next();
                String type = frame.get("type").asText();
                if (type.equals("response.created")) {
                    running.add(frame.get("stream_id").asText());
                    assertTrue(running.size() <= 2, "more than two responses in flight: " + running);
                }
                if (type.equals("response.completed")) {
                    running.remove(frame.get("stream_id").asText());
                    completedCount++;
                }
            }
            // the queued lane ran although the connection aged meanwhile: queued work drains, then 1000
            assertEquals(1000, ws.awaitClose());
        }
    }

    @Test
    void aFullQueueRefusesCreatesWithQueueFull() {
        try (WsClient ws = WsClient.connect(root)) {
            for (int i = 1; i <= 4; i++) {
                ws.send(create("model", "baton-simulator", "input", "queued " + i));
            }
            List<JsonNode> frames = ws.until(frame -> frame.get("type").asText().equals("error"));
            JsonNode error = frames.get(frames.size() - 1);
            assertEquals(429, error.get("status").asInt());
            assertEquals("websocket_queue_full", error.at("/error/code").asText());
            int completedCount = 0;
            while (completedCount < 3) {
                if (ws.next().get("type").asText().equals("response.completed")) {
                    completedCount++;
                }
            }
        }
    }
}
