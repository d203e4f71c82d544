package dev.baton.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.Requests;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class WebSocketModeTest {

    @TestHTTPResource("/")
    URL root;

    static Map<String, Object> create(Object... keyValues) {
        Map<String, Object> event = new HashMap<>();
        event.put("type", "response.create");
        for (int i = 0; i < keyValues.length; i += 2) {
            event.put((String) keyValues[i], keyValues[i + 1]);
        }
        return event;
    }

    static JsonNode completed(List<JsonNode> frames) {
        JsonNode last = frames.get(frames.size() - 1);
        assertEquals("response.completed", last.path("type").asText(), last.toString());
        return last.get("response");
    }

    @Test
    void streamsTheSameEventsAsSse() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "Hello socket", "stream", true));
            List<JsonNode> frames = ws.untilTerminal();
            assertEquals("response.created", frames.get(0).path("type").asText());
            assertEquals("response.in_progress", frames.get(1).path("type").asText());
            for (int i = 0; i < frames.size(); i++) {
                assertEquals(i, frames.get(i).path("sequence_number").asInt());
                assertFalse(frames.get(i).has("stream_id"), "default lane events carry no stream_id");
            }
            JsonNode response = completed(frames);
            assertEquals(frames.get(2).at("/item/id"), response.at("/output/0/id"));
            RestAssured.given().when().get("/v1/responses/" + response.get("id").asText()).then().statusCode(200);
        }
    }

    @Test
    void aTwentyTurnToolLoopSendsOnlyNewItemsAndSeesTheFullContext() {
        String nonce = UUID.randomUUID().toString();
        List<Object> transcript = new ArrayList<>(List.of(Map.of("role", "user", "content", "Loop " + nonce)));
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "tool-forever", "input", transcript, "store", false));
            JsonNode response = completed(ws.untilTerminal());
            for (int turn = 2; turn <= 20; turn++) {
                JsonNode call = response.at("/output/0");
                assertEquals("function_call", call.get("type").asText());
                Map<String, Object> output = Map.of("type", "function_call_output",
                        "call_id", call.get("call_id").asText(), "output", "result of turn " + (turn - 1));
                transcript.add(Requests.asMap(call));
                transcript.add(output);
                ws.send(create("model", "tool-forever", "store", false,
                        "previous_response_id", response.get("id").asText(), "input", List.of(output)));
                response = completed(ws.untilTerminal());

                String chainedFingerprint = Requests.asTree(response.at("/output/0/arguments").asText())
                        .get("context").asText();
                String fullFingerprint = RestAssured.given().contentType(ContentType.JSON)
                        .body(Map.of("model", "tool-forever", "input", transcript, "store", false))
                        .when().post("/v1/responses").then().statusCode(200)
                        .extract().header("x-baton-context-fingerprint");
                assertEquals(fullFingerprint, chainedFingerprint, "turn " + turn);
                assertEquals("{\"cmd\":\"step " + turn + "\",\"context\":\"" + chainedFingerprint + "\"}",
                        response.at("/output/0/arguments").asText());
            }
        }
    }

    @Test
    void storeFalseStateLivesOnlyOnItsConnection() {
        String id;
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "private", "store", false));
            id = completed(ws.untilTerminal()).get("id").asText();
            ws.send(create("model", "baton-simulator", "input", "again", "store", false, "previous_response_id", id));
            assertTrue(completed(ws.untilTerminal()).at("/output/0/content/0/text").asText()
                    .startsWith("Simulated reply #2"));
        }
        try (WsClient other = WsClient.connect(root)) {
            other.send(create("model", "baton-simulator", "input", "steal", "previous_response_id", id));
            JsonNode error = other.next();
            assertEquals("error", error.get("type").asText());
            assertEquals(400, error.get("status").asInt());
            assertEquals("previous_response_not_found", error.at("/error/code").asText());
            assertEquals("previous_response_id", error.at("/error/param").asText());
        }
    }

    @Test
    void storeTrueResponsesContinueOnAnotherConnection() {
        String id;
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "shared " + UUID.randomUUID()));
            id = completed(ws.untilTerminal()).get("id").asText();
        }
        try (WsClient other = WsClient.connect(root)) {
            other.send(create("model", "baton-simulator", "input", "continue", "previous_response_id", id));
            JsonNode response = completed(other.untilTerminal());
            assertTrue(response.at("/output/0/content/0/text").asText().startsWith("Simulated reply #2"));
            assertTrue(response.at("/usage/input_tokens_details/cached_tokens").asInt() > 0);
        }
    }

    @Test
    void warmUpThenEmptyInputContinues() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "generate", false, "store", false, "stream", true,
                    "input", List.of(Map.of("type", "message", "role", "developer", "content", "You are Codex."))));
            List<JsonNode> warm = ws.untilTerminal();
            assertEquals(List.of("response.created", "response.in_progress", "response.completed"),
                    warm.stream().map(f -> f.get("type").asText()).toList());
            JsonNode warmResponse = completed(warm);
            assertEquals(0, warmResponse.get("output").size());
            ws.send(create("model", "baton-simulator", "store", false, "input", List.of(),
                    "previous_response_id", warmResponse.get("id").asText()));
            assertTrue(completed(ws.untilTerminal()).at("/output/0/content/0/text").asText()
                    .startsWith("Simulated reply #1:"));
        }
    }

    @Test
    void lanesRunConcurrentlyEchoTheirStreamIdAndFork() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "lane a " + UUID.randomUUID(), "stream_id", "a"));
            ws.send(create("model", "baton-simulator", "input", "lane b", "stream_id", "b"));
            Map<String, JsonNode> done = new HashMap<>();
            while (done.size() < 2) {
                JsonNode frame = ws.next();
                assertNotNull(frame.get("stream_id"), frame.toString());
                if (frame.get("type").asText().equals("response.completed")) {
                    done.put(frame.get("stream_id").asText(), frame.get("response"));
                }
            }
            String parentA = done.get("a").get("id").asText();
            ws.send(create("model", "baton-simulator", "input", "fork", "stream_id", "c", "previous_response_id", parentA));
            List<JsonNode> fork = ws.untilTerminal();
            fork.forEach(frame -> assertEquals("c", frame.get("stream_id").asText()));
            assertEquals(parentA, completed(fork).get("previous_response_id").asText());
            ws.send(create("model", "baton-simulator", "input", "lane a goes on", "stream_id", "a",
                    "previous_response_id", parentA));
            assertTrue(completed(ws.untilTerminal()).at("/output/0/content/0/text").asText()
                    .startsWith("Simulated reply #2"));
        }
    }

    @Test
    void createsOnABusyLaneQueueInOrder() {
        try (WsClient ws = WsClient.connect(root)) {
            for (int i = 1; i <= 3; i++) {
                ws.send(create("model", "baton-simulator", "input", "queued " + i));
            }
            List<String> order = new ArrayList<>();
            String current = null;
            while (order.size() < 3) {
                JsonNode frame = ws.next();
                String id = frame.at("/response/id").asText(null);
                if (frame.get("type").asText().equals("response.created")) {
                    assertEquals(null, current, "a response started before the previous one finished");
                    current = id;
                }
                if (frame.get("type").asText().equals("response.completed")) {
                    assertEquals(current, id);
                    order.add(frame.at("/response/output/0/content/0/text").asText());
                    current = null;
                }
            }
            for (int i = 0; i < 3; i++) {
                assertTrue(order.get(i).contains("queued " + (i + 1)), order.get(i));
            }
        }
    }
}
