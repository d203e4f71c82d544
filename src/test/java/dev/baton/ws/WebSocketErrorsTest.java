package dev.baton.ws;

import static dev.baton.ws.WebSocketModeTest.completed;
import static dev.baton.ws.WebSocketModeTest.create;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class WebSocketErrorsTest {

    @TestHTTPResource("/")
    URL root;

    /** The next frame is an error envelope with a status; the same socket then still serves a create. */
    private static JsonNode expectErrorThenStillUsable(WsClient ws, String code, int status) {
        JsonNode error = ws.next();
        assertEquals("error", error.get("type").asText(), error.toString());
        assertEquals(status, error.get("status").asInt(), error.toString());
        assertEquals(code, error.at("/error/code").asText(), error.toString());
        assertEquals("invalid_request_error", error.at("/error/type").asText());
        assertTrue(error.at("/error/message").asText().length() > 10);
        ws.send(create("model", "baton-simulator", "input", "still there?"));
        completed(ws.untilTerminal());
        return error;
    }

    @Test
    void invalidJsonKeepsTheSocketOpen() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send("{\"type\": \"response.create\", ");
            JsonNode error = expectErrorThenStillUsable(ws, "invalid_json", 400);
            assertFalse(error.has("stream_id"));
        }
    }

    @Test
    void largeFramesAreParsedOffTheEventLoopWithoutReordering() {
        String big = "word ".repeat(60_000); // 300 k chars: parsed on a worker
        try (WsClient ws = WsClient.connect(root)) {
            ws.send("{\"type\": \"response.create\", \"input\": \"" + big); // large and broken
            ws.send(create("model", "baton-simulator", "input", big, "metadata", Map.of("order", "1")));
            ws.send(create("model", "baton-simulator", "input", "small", "metadata", Map.of("order", "2")));
            JsonNode error = ws.next();
            assertEquals("invalid_json", error.at("/error/code").asText(), error.toString());
            JsonNode first = completed(ws.untilTerminal());
            JsonNode second = completed(ws.untilTerminal());
            assertEquals("1", first.at("/metadata/order").asText(), "the large create stays first");
            assertEquals("2", second.at("/metadata/order").asText());
            assertTrue(first.at("/usage/input_tokens").asInt() > 50_000);
        }
    }

    @Test
    void unknownEventTypesAndMissingTypesAreErrors() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(Map.of("type", "response.cancel"));
            expectErrorThenStillUsable(ws, "unknown_event_type", 400);
            ws.send(Map.of("model", "baton-simulator"));
            expectErrorThenStillUsable(ws, "missing_required_parameter", 400);
            ws.send("[1, 2]");
            expectErrorThenStillUsable(ws, "invalid_json", 400);
        }
    }

    @Test
    void wrongFieldTypesNameTheParamAndTheLane() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "x", "temperature", "hot", "stream_id", "lane-1"));
            JsonNode error = expectErrorThenStillUsable(ws, "invalid_type", 400);
            assertEquals("temperature", error.at("/error/param").asText());
            assertEquals("lane-1", error.get("stream_id").asText());
        }
    }

    @Test
    void binaryFramesAreRefused() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.sendBinary(new byte[] {1, 2, 3});
            expectErrorThenStillUsable(ws, "binary_not_supported", 400);
        }
    }

    @Test
    void backgroundIsRejectedOverWebSocket() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "x", "background", true));
            JsonNode error = expectErrorThenStillUsable(ws, "unsupported_parameter", 400);
            assertEquals("background", error.at("/error/param").asText());
        }
    }

    @Test
    void invalidStreamIdsAreRejectedWithoutEchoingThem() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "x", "stream_id", ""));
            JsonNode error = expectErrorThenStillUsable(ws, "invalid_stream_id", 400);
            assertEquals("stream_id", error.at("/error/param").asText());
            assertFalse(error.has("stream_id"));
            ws.send(create("model", "baton-simulator", "input", "x", "stream_id", "has space"));
            expectErrorThenStillUsable(ws, "invalid_stream_id", 400);
        }
    }

    @Test
    void theThirtyThirdNamedLaneIsRefused() {
        try (WsClient ws = WsClient.connect(root)) {
            for (int lane = 1; lane <= 32; lane++) {
                ws.send(create("model", "baton-simulator", "generate", false, "input", "warm", "stream_id", "agent_" + lane));
            }
            int completedLanes = 0;
            while (completedLanes < 32) {
                JsonNode frame = ws.next();
                assertFalse(frame.get("type").asText().equals("error"), frame.toString());
                if (frame.get("type").asText().equals("response.completed")) {
                    completedLanes++;
                }
            }
            ws.send(create("model", "baton-simulator", "input", "x", "stream_id", "agent_33"));
            JsonNode error = expectErrorThenStillUsable(ws, "websocket_stream_limit_reached", 400);
            assertEquals("agent_33", error.get("stream_id").asText());
            assertEquals("stream_id", error.at("/error/param").asText());
            ws.send(create("model", "baton-simulator", "input", "an old lane still works", "stream_id", "agent_7"));
            completed(ws.untilTerminal());
        }
    }

    @Test
    void previousResponseNotFoundCarriesTheLane() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "x", "previous_response_id", "resp_nope", "stream_id", "main"));
            JsonNode error = expectErrorThenStillUsable(ws, "previous_response_not_found", 400);
            assertEquals("main", error.get("stream_id").asText());
            assertEquals("Previous response with id 'resp_nope' not found.", error.at("/error/message").asText());
        }
    }

    @Test
    void aFailedSameLaneContinuationEvictsItsStoreFalseParent() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "base " + UUID.randomUUID(), "store", false));
            String parent = completed(ws.untilTerminal()).get("id").asText();
            ws.send(create("model", "baton-simulator", "store", false, "previous_response_id", parent,
                    "input", List.of(Map.of("type", "item_reference", "id", "msg_missing"))));
            assertEquals("item_not_found", ws.next().at("/error/code").asText());
            ws.send(create("model", "baton-simulator", "store", false, "previous_response_id", parent, "input", "retry"));
            assertEquals("previous_response_not_found", ws.next().at("/error/code").asText());
        }
    }

    @Test
    void aFailedForkEvictsItsParentFromEveryLane() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "base " + UUID.randomUUID(), "store", false, "stream_id", "src"));
            String parent = completed(ws.untilTerminal()).get("id").asText();
            ws.send(create("model", "baton-simulator", "store", false, "previous_response_id", parent, "stream_id", "fork",
                    "input", List.of(Map.of("type", "item_reference", "id", "msg_missing"))));
            JsonNode error = ws.next();
            assertEquals("item_not_found", error.at("/error/code").asText());
            assertEquals("fork", error.get("stream_id").asText());
            // one rule for failed continuations: the parent is evicted from the connection, the source lane's slot too
            ws.send(create("model", "baton-simulator", "store", false, "previous_response_id", parent, "stream_id", "src",
                    "input", "source continues"));
            JsonNode evicted = ws.next();
            assertEquals("previous_response_not_found", evicted.at("/error/code").asText(), evicted.toString());
        }
    }

    @Test
    void steeringAndInjectAreAnsweredNotDropped() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(Map.of("type", "response.steer", "previous_response_id", "resp_1", "input", "Keep the scope small."));
            JsonNode failed = ws.next();
            assertEquals("response.steer.failed", failed.get("type").asText());
            assertEquals("response_not_found", failed.at("/error/code").asText()); // steering itself: SteeringTest
            assertEquals("Keep the scope small.", failed.at("/steer/input").asText());
            ws.send(Map.of("type", "response.inject", "response_id", "resp_1", "input", List.of()));
            expectErrorThenStillUsable(ws, "inject_not_supported", 400);
        }
    }

    @Test
    void responseProcessedIsIgnored() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(Map.of("type", "response.processed", "response_id", "resp_1"));
            ws.send(create("model", "baton-simulator", "input", "after the ack"));
            List<JsonNode> frames = ws.untilTerminal();
            assertEquals("response.created", frames.get(0).get("type").asText());
            completed(frames);
        }
    }

    @Test
    void oversizeFramesCloseWith1009() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send("{\"type\":\"response.create\",\"input\":\"" + "x".repeat(17 * 1024 * 1024) + "\"}");
            int code = ws.awaitClose();
            assertEquals(1009, code, ws.failure() == null ? "" : ws.failure().toString() + " " + ws.failure().getMessage() + " " + ws.failure().getCause());
        }
    }
}
