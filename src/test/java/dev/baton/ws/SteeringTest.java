package dev.baton.ws;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.support.NodeScripts;
import dev.baton.support.RawWebSocket;
import dev.baton.support.SlowSimulator;
import dev.baton.support.WsClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Steering over WebSocket mode (PROTOCOL.md Part A §2.2, docs/websocket.md), on a simulator slow enough that a steer
 * lands while the response streams: the response stops at a boundary as {@code incomplete}/{@code steered} and its
 * successor continues it with the steering input; a response holding a function call completes and parks the steer
 * for the create that brings the tool output; every refusal returns the input with its code. The official Node SDK
 * drives it too ({@code src/test/node/responses-ws-steer.mjs}).
 */
@QuarkusTest
@TestProfile(SlowSimulator.class)
class SteeringTest {

    static final List<Object> READ_FILE = List.of(Map.of("type", "function", "name", "read_file",
            "description", "Reads a file.", "parameters", Map.of("type", "object",
                    "properties", Map.of("path", Map.of("type", "string")), "required", List.of("path"))));

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL root;

    @TestHTTPResource("/v1")
    URL baseUrl;

    @Inject
    MeterRegistry metrics;

    static Map<String, Object> create(Object... fields) {
        Map<String, Object> event = new HashMap<>();
        event.put("type", "response.create");
        event.put("model", "baton-simulator");
        for (int i = 0; i < fields.length; i += 2) {
            event.put((String) fields[i], fields[i + 1]);
        }
        return event;
    }

    static Map<String, Object> steer(String responseId, Object input) {
        return Map.of("type", "response.steer", "previous_response_id", responseId, "input", input);
    }

    private static boolean is(JsonNode frame, String type) {
        return frame.path("type").asText().equals(type);
    }

    private static JsonNode first(List<JsonNode> frames, String type) {
        return frames.stream().filter(frame -> is(frame, type)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " in " + frames));
    }

    private static JsonPath inputItems(String responseId) {
        return given().when().get("/v1/responses/" + responseId + "/input_items?order=asc").then().statusCode(200)
                .extract().jsonPath();
    }

    private double steers(String outcome) {
        var counter = metrics.find("baton_ws_steers_total").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    /** Starts a response and waits for its first text delta; its id. */
    private static String streaming(WsClient ws, Object... fields) {
        ws.send(create(fields));
        JsonNode created = ws.next();
        assertEquals("response.created", created.path("type").asText(), created.toString());
        ws.until(frame -> is(frame, "response.output_text.delta"));
        return created.at("/response/id").asText();
    }

    @Test
    void aSteerStopsTheResponseAtABoundaryAndItsSuccessorContinuesWithTheInput() {
        double committed = steers("committed");
        try (WsClient ws = WsClient.connect(root)) {
            String target = streaming(ws, "input", "Write a long essay " + UUID.randomUUID());
            ws.send(steer(target, "Keep the scope small."));

            List<JsonNode> rest = ws.untilTerminal();
            JsonNode accepted = first(rest, "response.steer.accepted");
            assertTrue(accepted.at("/steer/id").asText().matches("steer_[0-9a-f]{32}"), accepted.toString());
            assertEquals(target, accepted.at("/steer/previous_response_id").asText());
            JsonNode ended = rest.get(rest.size() - 1);
            assertEquals("response.incomplete", ended.path("type").asText(), ended.toString());
            assertEquals("steered", ended.at("/response/incomplete_details/reason").asText());
            assertTrue(accepted.path("sequence_number").asInt() < ended.path("sequence_number").asInt(),
                    "the acceptance is numbered in the response's sequence");
            String partial = ended.at("/response/output/0/content/0/text").asText();
            StringBuilder lastDeltas = new StringBuilder();
            rest.stream().filter(frame -> is(frame, "response.output_text.delta"))
                    .forEach(frame -> lastDeltas.append(frame.path("delta").asText()));
            // a steer right after the first token stops at "Sim" (the simulator streams o200k tokens): a prefix counts
            assertTrue(!partial.isEmpty() && ("Simulated".startsWith(partial) || partial.startsWith("Simulated"))
                    && partial.endsWith(lastDeltas.toString())
                    && partial.split(" ").length < 300, "the output stops where the steer reached it, as streamed: "
                    + partial.split(" ").length + " words: '" + partial + "', deltas after the first: '" + lastDeltas
                    + "', ended: " + ended);
            assertEquals("completed", ended.at("/response/output/0/status").asText(), "the open item was closed");
            assertTrue(ended.at("/response/usage/output_tokens").asInt() > 0, "what was generated is billed");

            JsonNode created = ws.next();
            assertEquals("response.created", created.path("type").asText(), "the successor follows: " + created);
            assertEquals(target, created.at("/response/previous_response_id").asText());
            String successor = created.at("/response/id").asText();
            JsonNode done = ws.untilTerminal().stream().filter(WsClient::terminal).findFirst().orElseThrow();
            assertEquals("response.completed", done.path("type").asText(), done.toString());
            assertEquals(successor, done.at("/response/id").asText());
            assertTrue(done.at("/response/output/0/content/0/text").asText().startsWith("Simulated reply #2"),
                    "the successor continues the steered response");

            // both are stored: the steered response as it ended, the successor with the steering input as its input
            given().when().get("/v1/responses/" + target).then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("incomplete"));
            JsonPath items = inputItems(successor);
            assertEquals(List.of("Keep the scope small."), items.getList("data.collect { it.content[0].text }"));
        }
        assertEquals(committed + 1, steers("committed"));
    }

    @Test
    void steersThatArriveTogetherAreCommittedTogetherInOrder() throws Exception {
        // one TCP write: the server reads both steers before the steered response's successor is created
        try (RawWebSocket ws = RawWebSocket.open(root)) {
            ws.send(JSON.writeValueAsString(create("input", "Explain everything " + UUID.randomUUID())));
            JsonNode created = ws.next();
            assertEquals("response.created", created.path("type").asText(), created.toString());
            String target = created.at("/response/id").asText();
            while (!is(ws.next(), "response.output_text.delta")) {
                // until it streams
            }
            ws.send(JSON.writeValueAsString(steer(target, "First: be brief.")),
                    JSON.writeValueAsString(steer(target, List.of(Map.of("role", "user", "content", List.of(
                            Map.of("type", "input_text", "text", "Second: use bullet points.")))))));
            List<JsonNode> frames = new ArrayList<>();
            do {
                frames.add(ws.next());
            } while (!is(frames.get(frames.size() - 1), "response.created"));
            List<JsonNode> accepted = frames.stream().filter(frame -> is(frame, "response.steer.accepted")).toList();
            assertEquals(2, accepted.size(), "each steer is acknowledged: " + frames);
            assertTrue(accepted.get(0).path("sequence_number").asInt() < accepted.get(1).path("sequence_number").asInt(),
                    "acknowledged in order, in the steered response's sequence: " + accepted);
            JsonNode successor = frames.get(frames.size() - 1);
            assertEquals(target, successor.at("/response/previous_response_id").asText());
            JsonNode done;
            do {
                done = ws.next();
            } while (!WsClient.terminal(done));
            assertEquals("response.completed", done.path("type").asText(), done.toString());
            JsonPath items = inputItems(successor.at("/response/id").asText());
            assertEquals(List.of("First: be brief.", "Second: use bullet points."), items.getList("data.collect { it.content[0].text }"),
                    items.prettify());
        }
    }

    @Test
    void aSteerOnANamedLaneStaysOnItsLane() {
        try (WsClient ws = WsClient.connect(root)) {
            String target = streaming(ws, "input", "On a lane " + UUID.randomUUID(), "stream_id", "agent_7", "store", false);
            ws.send(steer(target, "Change course."));
            List<JsonNode> frames = ws.until(frame -> is(frame, "response.created"));
            JsonNode accepted = first(frames, "response.steer.accepted");
            assertEquals("agent_7", accepted.path("stream_id").asText(), accepted.toString());
            JsonNode created = frames.get(frames.size() - 1);
            assertEquals("agent_7", created.path("stream_id").asText());
            assertEquals(target, created.at("/response/previous_response_id").asText());
            assertEquals(false, created.at("/response/store").asBoolean(), "the successor keeps the target's settings");
            JsonNode done = ws.untilTerminal().stream().filter(WsClient::terminal).findFirst().orElseThrow();
            assertEquals("response.completed", done.path("type").asText(), "a store:false chain continues from the slot");
        }
    }

    @Test
    void aResponseWaitingForToolOutputParksTheSteerForTheCreateThatBringsIt() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("input", "Read the notes " + UUID.randomUUID(), "tools", READ_FILE, "tool_choice", "required"));
            String target = ws.next().at("/response/id").asText();
            ws.until(frame -> is(frame, "response.function_call_arguments.delta"));
            ws.send(steer(target, "Also check the tests."));

            List<JsonNode> frames = ws.until(frame -> is(frame, "response.steer.pending"));
            JsonNode completed = first(frames, "response.completed");
            JsonNode call = completed.at("/response/output/0");
            assertEquals("function_call", call.path("type").asText(), "the call was finished, not cut: " + completed);
            JsonNode accepted = first(frames, "response.steer.accepted");
            JsonNode pending = frames.get(frames.size() - 1);
            assertEquals(accepted.at("/steer/id"), pending.at("/steer/id"));
            assertEquals("waiting_for_required_input", pending.path("reason").asText());
            assertEquals(call.path("call_id").asText(), pending.at("/required_input/0/call_id").asText());
            assertEquals("read_file", pending.at("/required_input/0/name").asText());
            assertEquals("function_call_output", pending.at("/required_input/0/type").asText());
            assertTrue(completed.path("sequence_number").asInt() < accepted.path("sequence_number").asInt()
                    && accepted.path("sequence_number").asInt() < pending.path("sequence_number").asInt());

            ws.send(create("previous_response_id", target, "tools", READ_FILE, "input", List.of(Map.of(
                    "type", "function_call_output", "call_id", call.path("call_id").asText(), "output", "notes"))));
            JsonNode created = ws.next();
            assertEquals("response.created", created.path("type").asText(), created.toString());
            ws.untilTerminal();
            JsonPath items = inputItems(created.at("/response/id").asText());
            assertEquals(List.of("function_call_output", "message"), items.getList("data.type"),
                    "the parked input comes right after the tool output its response waited for");
            assertEquals("Also check the tests.", items.getString("data[1].content[0].text"));
        }
    }

    @Test
    void parkedSteersTakenByACreateThatCannotStartAreFailedNotLost() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(create("input", "Read the plan " + UUID.randomUUID(), "tools", READ_FILE, "tool_choice", "required"));
            String target = ws.next().at("/response/id").asText();
            ws.until(frame -> is(frame, "response.function_call_arguments.delta"));
            ws.send(steer(target, "Mind the deadline."));
            JsonNode completed = first(ws.until(frame -> is(frame, "response.steer.pending")), "response.completed");
            String callId = completed.at("/response/output/0/call_id").asText();

            // the create brings the tool output, but names an item that does not exist: it fails as it is prepared
            ws.send(create("previous_response_id", target, "tools", READ_FILE, "input", List.of(
                    Map.of("type", "function_call_output", "call_id", callId, "output", "the plan"),
                    Map.of("type", "item_reference", "id", "msg_nowhere"))));
            List<JsonNode> frames = ws.until(frame -> is(frame, "response.steer.failed"));
            assertEquals("item_not_found", first(frames, "error").at("/error/code").asText(), frames.toString());
            JsonNode failed = frames.get(frames.size() - 1);
            assertEquals("Mind the deadline.", failed.at("/steer/input").asText(), failed.toString());
            assertEquals("response_not_active", failed.at("/error/code").asText());

            // the connection and the chain stay usable: the same tool output without the bad reference continues it
            ws.send(create("previous_response_id", target, "tools", READ_FILE, "input", List.of(
                    Map.of("type", "function_call_output", "call_id", callId, "output", "the plan"))));
            JsonNode done = ws.untilTerminal().stream().filter(WsClient::terminal).findFirst().orElseThrow();
            assertEquals("response.completed", done.path("type").asText(), done.toString());
        }
    }

    @Test
    void refusalsReturnTheInputWithTheirCode() {
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(Map.of("type", "response.steer", "previous_response_id", "resp_nowhere", "input", "hello"));
            JsonNode notFound = ws.next();
            assertEquals("response.steer.failed", notFound.path("type").asText());
            assertEquals("response_not_found", notFound.at("/error/code").asText());
            assertEquals("invalid_request_error", notFound.at("/error/type").asText());
            assertEquals("hello", notFound.at("/steer/input").asText());
            assertTrue(notFound.at("/steer/id").isMissingNode(), "no id before acceptance");

            for (Map<String, Object> invalid : List.of(
                    Map.<String, Object>of("type", "response.steer", "previous_response_id", "resp_x", "input", "x",
                            "stream_id", "a"),
                    Map.<String, Object>of("type", "response.steer", "previous_response_id", "resp_x", "input", List.of()),
                    Map.<String, Object>of("type", "response.steer", "previous_response_id", "resp_x",
                            "input", List.of(Map.of("role", "assistant", "content", "I decide"))),
                    Map.<String, Object>of("type", "response.steer", "previous_response_id", "resp_x",
                            "input", List.of(Map.of("type", "function_call_output", "call_id", "c", "output", "o"))),
                    Map.<String, Object>of("type", "response.steer", "input", "no target"))) {
                ws.send(invalid);
                JsonNode failed = ws.next();
                assertEquals("invalid_input", failed.at("/error/code").asText(), failed.toString());
                assertEquals(JSON.valueToTree(invalid.get("input")), failed.at("/steer/input"), "the input comes back");
                assertTrue(failed.at("/steer/id").isMissingNode(), "no id before acceptance");
            }

            ws.send(create("input", "short", "generate", false)); // completed at once: nothing to steer
            String done = ws.untilTerminal().get(0).at("/response/id").asText();
            ws.send(steer(done, "too late"));
            assertEquals("response_already_completed", ws.next().at("/error/code").asText());

            // a conversation's responses are not steered (as OpenAI)
            String conversation = given().contentType(ContentType.JSON).body(Map.of()).when().post("/v1/conversations")
                    .then().statusCode(200).extract().path("id");
            String bound = streaming(ws, "input", "In a conversation", "conversation", conversation);
            ws.send(steer(bound, "steer me"));
            List<JsonNode> frames = ws.until(frame -> is(frame, "response.steer.failed"));
            assertEquals("steering_not_supported", frames.get(frames.size() - 1).at("/error/code").asText());
            ws.untilTerminal();
        }
    }

    @Test
    void aResponseHoldsAtMostItsLimitOfSteers() {
        try (WsClient ws = WsClient.connect(root)) {
            // a response streaming a function call does not stop for steers: they queue (limit 3 in this profile)
            ws.send(create("input", "Read " + UUID.randomUUID(), "tools", READ_FILE, "tool_choice", "required"));
            String target = ws.next().at("/response/id").asText();
            ws.until(frame -> is(frame, "response.function_call_arguments.delta"));
            for (int i = 1; i <= 4; i++) {
                ws.send(steer(target, "steer " + i));
            }
            List<JsonNode> frames = ws.until(frame -> is(frame, "response.steer.failed"));
            JsonNode failed = frames.get(frames.size() - 1);
            assertEquals("too_many_pending_steers", failed.at("/error/code").asText(), failed.toString());
            assertEquals("steer 4", failed.at("/steer/input").asText());
            int[] pending = {0};
            List<JsonNode> after = ws.until(frame -> is(frame, "response.steer.pending") && ++pending[0] == 3);
            assertEquals(3, after.stream().filter(frame -> is(frame, "response.steer.accepted")).count(),
                    "the three queued steers are acknowledged after the response completed: " + after);
        }
    }

    @Test
    void theOfficialNodeSdkSteersAResponse() throws Exception {
        NodeScripts.runPassing("responses-ws-steer.mjs", "node-sdk steering: all checks passed", baseUrl.toString());
    }
}
