package dev.baton.http;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the OpenResponses specification and OpenAI's WebSocket mode require of the objects Baton emits and of the
 * requests it refuses: every field a response, a tool and an item must carry, and the one rule for failed
 * continuations over a socket.
 */
@QuarkusTest
class ConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Object> TOOL = Map.of("type", "function", "name", "read_file",
            "parameters", Map.of("type", "object", "properties", Map.of("path", Map.of("type", "string"),
                    "lines", Map.of("type", "integer")), "required", List.of("path", "lines")));

    @TestHTTPResource("/")
    URL root;

    private static JsonNode post(String path, Map<String, Object> body, int status) throws Exception {
        return JSON.readTree(given().contentType(ContentType.JSON).body(body).when().post(path)
                .then().statusCode(status).extract().asString());
    }

    @Test
    void responsesCarryTheirPenaltiesEverywhere() throws Exception {
        JsonNode plain = post("/v1/responses", Map.of("model", "baton-simulator", "input", "hi",
                "presence_penalty", 0.5), 200);
        assertEquals(0.5, plain.path("presence_penalty").asDouble(), plain.toString());
        assertTrue(plain.path("frequency_penalty").isNumber() && plain.path("frequency_penalty").asDouble() == 0,
                "the default is 0: " + plain);
        JsonNode stored = JSON.readTree(given().when().get("/v1/responses/" + plain.path("id").asText())
                .then().statusCode(200).extract().asString());
        assertEquals(0.5, stored.path("presence_penalty").asDouble(), "kept when stored: " + stored);

        JsonNode refused = post("/v1/responses", Map.of("model", "baton-simulator", "input", "hi",
                "frequency_penalty", 3), 400);
        assertEquals("frequency_penalty", refused.at("/error/param").asText(), refused.toString());

        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("model", "baton-simulator", "input", "hi", "frequency_penalty", -1.5));
            for (JsonNode frame : ws.untilTerminal()) {
                if (frame.has("response")) {
                    assertEquals(-1.5, frame.at("/response/frequency_penalty").asDouble(), frame.toString());
                    assertTrue(frame.at("/response/presence_penalty").isNumber(), frame.toString());
                }
            }
        }
    }

    @Test
    void functionToolsAreEchoedWithEveryFieldTheSpecRequires() throws Exception {
        JsonNode response = post("/v1/responses", Map.of("model", "baton-simulator", "input", "hi",
                "tools", List.of(Map.of("type", "function", "name", "bare"), TOOL)), 200);
        JsonNode bare = response.at("/tools/0");
        for (String field : List.of("description", "parameters", "strict")) {
            assertTrue(bare.has(field) && bare.get(field).isNull(), field + " shown as null: " + bare);
        }
        assertEquals(JSON.valueToTree(TOOL).get("parameters"), response.at("/tools/1/parameters"));
    }

    @Test
    void everyMessageAndCallItemHasAStatus() throws Exception {
        JsonNode compacted = post("/v1/responses/compact", Map.of("model", "baton-simulator", "input", List.of(
                Map.of("role", "user", "content", "first question"),
                Map.of("type", "message", "role", "assistant", "content", "first answer"),
                Map.of("role", "user", "content", "second question"))), 200);
        int messages = 0;
        for (JsonNode item : compacted.path("output")) {
            if ("message".equals(item.path("type").asText())) {
                messages++;
                assertEquals("completed", item.path("status").asText(), item.toString());
            }
        }
        assertTrue(messages > 0, compacted.toString());

        JsonNode first = post("/v1/responses", Map.of("model", "baton-simulator", "tools", List.of(TOOL),
                "tool_choice", "required", "input", "read it"), 200);
        JsonNode next = post("/v1/responses", Map.of("model", "baton-simulator", "previous_response_id",
                first.path("id").asText(), "input", List.of(Map.of("type", "function_call_output",
                        "call_id", first.at("/output/0/call_id").asText(), "output", "contents"))), 200);
        JsonNode listed = JSON.readTree(given().when().get("/v1/responses/" + next.path("id").asText() + "/input_items")
                .then().statusCode(200).extract().asString());
        assertEquals("completed", listed.at("/data/0/status").asText(), listed.toString());
    }

    @Test
    void aFunctionCallOutputAnsweringNoCallIsRefused() throws Exception {
        JsonNode first = post("/v1/responses", Map.of("model", "baton-simulator", "input", "hi"), 200);
        JsonNode refused = post("/v1/responses", Map.of("model", "baton-simulator", "previous_response_id",
                first.path("id").asText(), "input", List.of(Map.of("type", "function_call_output",
                        "call_id", "call_nobody_made", "output", "x"))), 400);
        assertEquals("invalid_request_error", refused.at("/error/type").asText(), refused.toString());
        assertEquals("input", refused.at("/error/param").asText());
        assertTrue(refused.at("/error/message").asText().contains("call_nobody_made"), refused.toString());

        // a call and its output sent together, statelessly, are fine
        post("/v1/responses", Map.of("model", "baton-simulator", "input", List.of(
                Map.of("type", "function_call", "call_id", "c1", "name", "read_file", "arguments", "{}"),
                Map.of("type", "function_call_output", "call_id", "c1", "output", "x"))), 200);
    }

    @Test
    void theSimulatorCallsAToolWhenTheRequestRequiresOne() throws Exception {
        Map<String, Object> other = Map.of("type", "function", "name", "list_files", "parameters", Map.of("type", "object"));
        JsonNode required = post("/v1/responses", Map.of("model", "baton-simulator", "tools", List.of(TOOL, other),
                "tool_choice", "required", "input", "hi"), 200);
        assertEquals("function_call", required.at("/output/0/type").asText(), required.toString());
        assertEquals("read_file", required.at("/output/0/name").asText());
        JsonNode arguments = JSON.readTree(required.at("/output/0/arguments").asText());
        assertTrue(arguments.path("path").isTextual() && arguments.path("lines").isIntegralNumber(), arguments.toString());

        JsonNode named = post("/v1/responses", Map.of("model", "baton-simulator", "tools", List.of(TOOL, other),
                "tool_choice", Map.of("type", "function", "name", "list_files"), "input", "hi"), 200);
        assertEquals("list_files", named.at("/output/0/name").asText(), named.toString());
    }

    @Test
    void aFailedContinuationOverASocketEvictsItsParent() throws Exception {
        try (WsClient ws = WsClient.connect(root)) {
            for (Map<String, Object> failing : List.<Map<String, Object>>of(Map.of("temperature", 9),
                    Map.of("input", List.of(Map.of("type", "function_call_output", "output", "x"))),
                    Map.of("input", List.of(Map.of("type", "function_call_output", "call_id", "call_none", "output", "x"))))) {
                ws.send(create("model", "baton-simulator", "store", false, "input", "hi"));
                String parent = last(ws.untilTerminal()).at("/response/id").asText();
                Map<String, Object> continuation = new java.util.HashMap<>(Map.of("model", "baton-simulator",
                        "store", false, "previous_response_id", parent, "input", "go on"));
                continuation.putAll(failing);
                continuation.put("type", "response.create");
                ws.send(continuation);
                assertEquals("error", last(ws.untilTerminal()).path("type").asText(), "refused: " + failing);
                ws.send(create("model", "baton-simulator", "store", false, "previous_response_id", parent, "input", "again"));
                JsonNode evicted = last(ws.untilTerminal());
                assertEquals("previous_response_not_found", evicted.at("/error/code").asText(),
                        "after " + failing + ": " + evicted);
            }

            // a stored parent is loaded again from the store
            ws.send(create("model", "baton-simulator", "input", "hi"));
            String stored = last(ws.untilTerminal()).at("/response/id").asText();
            ws.send(create("model", "baton-simulator", "previous_response_id", stored, "temperature", 9, "input", "x"));
            assertEquals("error", last(ws.untilTerminal()).path("type").asText());
            ws.send(create("model", "baton-simulator", "previous_response_id", stored, "input", "again"));
            assertEquals("response.completed", last(ws.untilTerminal()).path("type").asText());
        }
    }

    private static Map<String, Object> create(Object... keyValues) {
        Map<String, Object> event = new java.util.HashMap<>(Map.of("type", "response.create"));
        for (int i = 0; i < keyValues.length; i += 2) {
            event.put((String) keyValues[i], keyValues[i + 1]);
        }
        return event;
    }

    private static JsonNode last(List<JsonNode> frames) {
        return frames.get(frames.size() - 1);
    }
}
