package dev.baton.protocol;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.Requests;
import dev.baton.support.Sse;
import dev.baton.support.SpecShapes;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Everything a representative session emits — HTTP, SSE, WebSocket, background, compaction, conversations — checked
 * against Baton's reading of the OpenResponses spec ({@link SpecShapes}); every violation is reported at once, with
 * its path and rule, so a missing or mistyped field fails the build.
 */
@QuarkusTest
class SpecConformanceTest {

    private static final String MODEL = "baton-simulator";
    private static final Map<String, Object> TOOL = Map.of("type", "function", "name", "read_file",
            "parameters", Map.of("type", "object", "properties", Map.of("path", Map.of("type", "string")),
                    "required", List.of("path")));

    @TestHTTPResource("/")
    URL root;

    private final SpecShapes.Report report = new SpecShapes.Report();

    @Test
    void everythingASessionEmitsConformsToTheSpec() {
        overHttp();
        overSse();
        overWebSocket();
        inTheBackground();
        compacting();
        inAConversation();

        assertTrue(report.violations().isEmpty(), report.violations().size() + " violation(s) of the OpenResponses spec "
                + SpecShapes.SPEC_VERSION + ":\n  " + String.join("\n  ", report.violations()));
        // the session exercised what it claims to check
        for (String kind : List.of("ResponseResource", "CompactResource", "Message", "FunctionCall", "FunctionCallOutput",
                "CompactionBody", "OutputTextContent", "InputTextContent", "FunctionTool", "Usage", "TextField",
                "WebSocketErrorEvent", "response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.completed", "List", "Deleted", "Conversation")) {
            assertTrue(report.seen().contains(kind), "the session never emitted " + kind + ": " + report.seen());
        }
    }

    private void overHttp() {
        JsonNode plain = post("/v1/responses", Map.of("model", MODEL, "input", "hi"), "ResponseResource", "http create");
        String id = plain.path("id").asText();
        JsonNode call = post("/v1/responses", Map.of("model", MODEL, "tools", List.of(TOOL), "tool_choice", "required",
                "input", "read it"), "ResponseResource", "http tool call");
        assertEquals("function_call", call.at("/output/0/type").asText(), call.toString());
        JsonNode answered = post("/v1/responses", Map.of("model", MODEL, "previous_response_id", call.path("id").asText(),
                "tools", List.of(TOOL), "input", List.of(Map.of("type", "function_call_output",
                        "call_id", call.at("/output/0/call_id").asText(), "output", "contents"))),
                "ResponseResource", "http tool output");
        String next = answered.path("id").asText();

        get("/v1/responses/" + id, "ResponseResource", "http retrieve");
        get("/v1/responses/" + next + "/input_items", "List", "http input_items");
        get("/v1/responses/" + next + "/input_items?order=asc", "List", "http input_items asc");
        check("Deleted", json(given().when().delete("/v1/responses/" + id).then().statusCode(200).extract().asString()),
                "http delete");
    }

    private void overSse() {
        String body = given().contentType(ContentType.JSON).body(Map.of("model", MODEL, "input", "stream please",
                "stream", true)).when().post("/v1/responses").then().statusCode(200).extract().asString();
        String parent = checkSse(body, "sse create");
        String tools = given().contentType(ContentType.JSON).body(Map.of("model", MODEL, "input", "stream a call",
                "previous_response_id", parent, "tools", List.of(TOOL), "tool_choice", "required", "stream", true))
                .when().post("/v1/responses").then().statusCode(200).extract().asString();
        checkSse(tools, "sse tool call");
    }

    /** Checks each event of an SSE body; returns the id of the response it streamed. */
    private String checkSse(String body, String where) {
        List<Sse.Event> events = Sse.parse(body);
        for (int i = 0; i < events.size(); i++) {
            SpecShapes.checkSseEvent(events.get(i).data(), where + " event " + i + " (" + events.get(i).type() + ")",
                    report);
        }
        return events.get(0).data().at("/response/id").asText();
    }

    private void overWebSocket() {
        try (WsClient ws = WsClient.connect(root)) {
            String parent = checkFrames(ws, create("input", "hi"), "ws create").at("/response/id").asText();
            JsonNode call = checkFrames(ws, create("previous_response_id", parent, "input", "call it",
                    "tools", List.of(TOOL), "tool_choice", "required"), "ws tool call").path("response");
            checkFrames(ws, create("previous_response_id", call.path("id").asText(), "tools", List.of(TOOL), "input",
                    List.of(Map.of("type", "function_call_output", "call_id", call.at("/output/0/call_id").asText(),
                            "output", "contents"))), "ws tool output");
            // refusals: each an error frame, checked as the spec's WebSocketErrorEvent
            refused(ws, create("previous_response_id", "resp_nobody_made", "input", "x"), "ws unknown parent");
            refused(ws, create("previous_response_id", parent, "input",
                    List.of(Map.of("type", "function_call_output", "call_id", "call_nobody_made", "output", "x"))),
                    "ws unknown call_id");
            refused(ws, create("temperature", 9, "input", "x"), "ws invalid temperature");
            refused(ws, create("conversation", "conv_nobody_made", "input", "x"), "ws unknown conversation");
        }
    }

    /** Sends one create and checks every frame up to its end, which it returns. */
    private JsonNode checkFrames(WsClient ws, Map<String, Object> create, String where) {
        ws.send(create);
        List<JsonNode> frames = ws.untilTerminal();
        for (int i = 0; i < frames.size(); i++) {
            SpecShapes.checkSocketFrame(frames.get(i), where + " frame " + i + " (" + frames.get(i).path("type").asText()
                    + ")", report);
        }
        return frames.get(frames.size() - 1);
    }

    private void refused(WsClient ws, Map<String, Object> create, String where) {
        JsonNode last = checkFrames(ws, create, where);
        assertEquals("error", last.path("type").asText(), where + ": " + last);
    }

    private void inTheBackground() {
        JsonNode created = post("/v1/responses", Map.of("model", MODEL, "input", "work", "background", true),
                "ResponseResource", "background create");
        String id = created.path("id").asText();
        await().atMost(Duration.ofSeconds(20)).until(() ->
                "completed".equals(get("/v1/responses/" + id, "ResponseResource", "background poll").path("status").asText()));
        String streamed = given().contentType(ContentType.JSON).body(Map.of("model", MODEL, "input", "work and stream",
                "background", true, "stream", true)).when().post("/v1/responses").then().statusCode(200)
                .extract().asString();
        checkSse(streamed, "background stream");
    }

    private void compacting() {
        JsonNode compacted = post("/v1/responses/compact", Map.of("model", MODEL, "input", List.of(
                Map.of("role", "user", "content", "first question"),
                Map.of("type", "message", "role", "assistant", "content", "first answer"),
                Map.of("role", "user", "content", "second question"))), "CompactResource", "compact");
        List<Object> input = new ArrayList<>();
        compacted.path("output").forEach(item -> input.add(Requests.asMap(item)));
        input.add(Map.of("role", "user", "content", "go on"));
        JsonNode next = post("/v1/responses", Map.of("model", MODEL, "input", input), "ResponseResource",
                "create after compact");
        get("/v1/responses/" + next.path("id").asText() + "/input_items", "List", "input_items after compact");
    }

    private void inAConversation() {
        JsonNode conversation = json(given().contentType(ContentType.JSON).body(Map.of("items", List.of(
                        Map.of("role", "user", "content", "hello"), Map.of("role", "assistant", "content", "hi there")),
                "metadata", Map.of("topic", "spec"))).when().post("/v1/conversations").then().statusCode(200)
                .extract().asString());
        check("Conversation", conversation, "conversation create");
        String id = conversation.path("id").asText();
        post("/v1/responses", Map.of("model", MODEL, "conversation", id, "input", "and now?"), "ResponseResource",
                "conversation turn");
        try (WsClient ws = WsClient.connect(root)) {
            checkFrames(ws, create("conversation", id, "input", "over the socket"), "ws conversation turn");
        }
        get("/v1/conversations/" + id, "Conversation", "conversation retrieve");
        JsonNode items = get("/v1/conversations/" + id + "/items?order=asc", "List", "conversation items");
        get("/v1/conversations/" + id + "/items/" + items.at("/data/1/id").asText(), null, "conversation item");
        check("Deleted", json(given().when().delete("/v1/conversations/" + id).then().statusCode(200).extract().asString()),
                "conversation delete");
    }

    // ---- plumbing ----

    private JsonNode post(String path, Map<String, Object> body, String shape, String where) {
        JsonNode json = json(given().contentType(ContentType.JSON).body(body).when().post(path)
                .then().statusCode(200).extract().asString());
        check(shape, json, where);
        return json;
    }

    /** GETs {@code path} and checks it as {@code shape}, or as an item when {@code shape} is null. */
    private JsonNode get(String path, String shape, String where) {
        JsonNode json = json(given().when().get(path).then().statusCode(200).extract().asString());
        check(shape, json, where);
        return json;
    }

    private void check(String shape, JsonNode json, String where) {
        if (shape == null) {
            SpecShapes.checkItem(json, where, report);
        } else {
            SpecShapes.check(shape, json, where, report);
        }
    }

    private static JsonNode json(String body) {
        return Requests.asTree(body);
    }

    private static Map<String, Object> create(Object... keyValues) {
        Map<String, Object> event = new HashMap<>(Map.of("type", "response.create", "model", MODEL));
        for (int i = 0; i < keyValues.length; i += 2) {
            event.put((String) keyValues[i], keyValues[i + 1]);
        }
        return event;
    }
}
