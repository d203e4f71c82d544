package dev.baton.ws;

import static dev.baton.ws.WebSocketModeTest.completed;
import static dev.baton.ws.WebSocketModeTest.create;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Connection limits at small values: refusals change nothing, sizes are counted in real UTF-8 bytes. */
@QuarkusTest
@TestProfile(WebSocketLimitsTest.Small.class)
class WebSocketLimitsTest {

    public static class Small implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.ws.max-in-flight", "1", "baton.ws.max-queued", "1", "baton.ws.max-named-lanes", "2",
                    "baton.ws.max-message-bytes", "1048576", "baton.simulator.tokens-per-second", "100");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Test
    void aCreateRefusedForAFullQueueUsesUpNoNamedLane() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "first", "stream_id", "a"));
            ws.send(create("model", "baton-simulator", "input", "second", "stream_id", "a")); // queued
            ws.send(create("model", "baton-simulator", "input", "refused", "stream_id", "b"));
            int completedTurns = 0;
            boolean refused = false;
            while (completedTurns < 2 || !refused) {
                JsonNode frame = ws.next();
                String type = frame.path("type").asText();
                if (type.equals("error")) {
                    assertEquals("websocket_queue_full", frame.at("/error/code").asText(), frame.toString());
                    assertEquals("b", frame.path("stream_id").asText());
                    refused = true;
                } else if (type.equals("response.completed")) {
                    completedTurns++;
                }
            }
            // lanes used: "a" only; "c" and then "b" are the second and (refused) third named lanes
            ws.send(create("model", "baton-simulator", "input", "c", "stream_id", "c"));
            completed(ws.untilTerminal());
            ws.send(create("model", "baton-simulator", "input", "b", "stream_id", "b"));
            JsonNode limit = ws.next();
            assertEquals("websocket_stream_limit_reached", limit.at("/error/code").asText(), limit.toString());
        }
    }

    @Test
    void emojiFramesJustUnderTheLimitAreNotRefusedAsTooBig() {
        // 250,000 emoji: 1,000,000 bytes of UTF-8 (under 1 MiB), 1,250,000 when a pair was counted as 5 bytes
        String frame = "{\"type\":\"nope\",\"pad\":\"" + "😀".repeat(250_000) + "\"}";
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(frame);
            JsonNode error = ws.next();
            assertEquals("unknown_event_type", error.at("/error/code").asText(), error.toString());
            assertFalse(ws.isClosed());
            ws.send(create("model", "baton-simulator", "input", "still open"));
            completed(ws.untilTerminal());
        }
    }
}
