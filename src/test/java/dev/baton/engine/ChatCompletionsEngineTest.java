package dev.baton.engine;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code BATON_ENGINE=openai-chat} against a faithful fake chat-completions server. */
@QuarkusTest
@TestProfile(ChatCompletionsEngineTest.WithFakeUpstream.class)
class ChatCompletionsEngineTest {

    public static class WithFakeUpstream implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeChatServer.class));
        }
    }

    private static JsonPath create(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/responses")
                .then().statusCode(200).extract().jsonPath();
    }

    private static JsonNode lastUpstreamRequest() {
        return FakeChatServer.REQUESTS.get(FakeChatServer.REQUESTS.size() - 1);
    }

    @Test
    void streamsTextWithUpstreamUsage() {
        JsonPath response = create(Map.of("model", "fake-model", "input", "[text] hello", "instructions", "Be kind."));
        assertEquals("completed", response.getString("status"));
        assertEquals("Hello from the fake engine ✓", response.getString("output[0].content[0].text"));
        assertEquals(42, response.getInt("usage.input_tokens"));
        assertEquals(32, response.getInt("usage.input_tokens_details.cached_tokens"));
        assertEquals(7, response.getInt("usage.output_tokens"));
        JsonNode upstream = lastUpstreamRequest();
        assertEquals("fake-model", upstream.path("model").asText());
        assertTrue(upstream.path("stream").asBoolean());
        assertEquals("system", upstream.at("/messages/0/role").asText());
        assertEquals("Be kind.", upstream.at("/messages/0/content").asText());
        assertEquals("[text] hello", upstream.at("/messages/1/content").asText());
        given().when().get("/v1/models").then().body("data[0].id", equalTo("fake-model"));
    }

    @Test
    void aCompactionItemReachesTheEngineAsTheSummaryInside() {
        JsonPath compacted = given().contentType(ContentType.JSON)
                .body(Map.of("model", "fake-model", "input", "[text] the plan is X"))
                .when().post("/v1/responses/compact").then().statusCode(200).extract().jsonPath();
        assertEquals("[text] the plan is X", lastUpstreamRequest().at("/messages/0/content").asText());
        Map<String, Object> item = compacted.getMap("output[1]");
        assertEquals("compaction", item.get("type"));
        create(Map.of("model", "fake-model", "input", List.of(Map.of("role", "user", "content", "[text] the plan is X"),
                item, Map.of("role", "user", "content", "[text] go on"))));
        JsonNode messages = lastUpstreamRequest().path("messages");
        assertEquals(3, messages.size(), messages.toString());
        assertEquals("user", messages.at("/1/role").asText());
        assertEquals("Summary of the earlier part of this conversation:\nHello from the fake engine ✓",
                messages.at("/1/content").asText(), "the engine reads the summary the engine wrote, not the seal");
        assertEquals("[text] go on", messages.at("/2/content").asText());
    }

    @Test
    void mapsParallelToolCallsAndTheirOutputsBothWays() {
        JsonPath calls = create(Map.of("model", "fake-model", "input", "[tools] weather and time?",
                "tools", List.of(Map.of("type", "function", "name", "get_weather", "parameters", Map.of("type", "object")),
                        Map.of("type", "web_search"))));
        assertEquals("function_call", calls.getString("output[0].type"));
        assertEquals("call_a", calls.getString("output[0].call_id"));
        assertEquals("get_weather", calls.getString("output[0].name"));
        assertEquals("{\"city\":\"Paris\"}", calls.getString("output[0].arguments"));
        assertEquals("call_b", calls.getString("output[1].call_id"));
        JsonNode upstreamTools = lastUpstreamRequest().path("tools");
        assertEquals(1, upstreamTools.size(), "only function tools have a chat-completions form");
        assertEquals("get_weather", upstreamTools.at("/0/function/name").asText());

        create(Map.of("model", "fake-model", "previous_response_id", calls.getString("id"),
                "input", List.of(Map.of("type", "function_call_output", "call_id", "call_a", "output", "18°C"),
                        Map.of("type", "function_call_output", "call_id", "call_b", "output", "noon"),
                        Map.of("role", "user", "content", "[text] thanks"))));
        JsonNode messages = lastUpstreamRequest().path("messages");
        assertEquals("assistant", messages.at("/1/role").asText());
        assertEquals(2, messages.at("/1/tool_calls").size());
        assertEquals("call_a", messages.at("/1/tool_calls/0/id").asText());
        assertEquals("{\"city\":\"Paris\"}", messages.at("/1/tool_calls/0/function/arguments").asText());
        assertEquals("tool", messages.at("/2/role").asText());
        assertEquals("call_a", messages.at("/2/tool_call_id").asText());
        assertEquals("18°C", messages.at("/2/content").asText());
        assertEquals("call_b", messages.at("/3/tool_call_id").asText());
        assertEquals("[text] thanks", messages.at("/4/content").asText());
    }

    @Test
    void aStreamCutMidwayFailsTheResponseAndLeavesTheChainUsable() {
        String good = create(Map.of("model", "fake-model", "input", "[text] first")).getString("id");
        for (String mode : List.of("[disconnect]", "[malformed]")) {
            JsonPath failed = create(Map.of("model", "fake-model", "input", mode, "previous_response_id", good));
            assertEquals("failed", failed.getString("status"), mode);
            assertEquals("server_error", failed.getString("error.code"), mode);
            assertTrue(failed.getString("error.message").contains("upstream"), failed.getString("error.message"));
            given().contentType(ContentType.JSON)
                    .body(Map.of("model", "fake-model", "input", "x", "previous_response_id", failed.getString("id")))
                    .when().post("/v1/responses").then().statusCode(400)
                    .body("error.code", equalTo("previous_response_not_found"));
        }
        assertEquals("completed", create(Map.of("model", "fake-model", "input", "[text] again",
                "previous_response_id", good)).getString("status"));
    }

    @Test
    void anUpstreamRejectionCarriesItsMessage() {
        JsonPath failed = create(Map.of("model", "fake-model", "input", "[bad-request] too long"));
        assertEquals("failed", failed.getString("status"));
        assertEquals("invalid_prompt", failed.getString("error.code"));
        assertTrue(failed.getString("error.message").contains("maximum context length"), failed.getString("error.message"));
    }

    @Test
    void retriesAFailureBeforeTheFirstToken() {
        JsonPath response = create(Map.of("model", "fake-model", "input", "[flaky] please"));
        assertEquals("completed", response.getString("status"));
        assertEquals("Hello from the fake engine ✓", response.getString("output[0].content[0].text"));
    }

    @Test
    void lengthBecomesIncomplete() {
        JsonPath response = create(Map.of("model", "fake-model", "input", "[length] go"));
        assertEquals("incomplete", response.getString("status"));
        assertEquals("max_output_tokens", response.getString("incomplete_details.reason"));
    }

    @Test
    void reasoningContentBecomesAReasoningItemThatIsNotSentBack() {
        JsonPath response = create(Map.of("model", "fake-model", "input", "[reasoning] hi"));
        assertEquals("reasoning", response.getString("output[0].type"));
        assertEquals("reasoning_text", response.getString("output[0].content[0].type"));
        assertEquals("The user greets.", response.getString("output[0].content[0].text"));
        assertEquals("message", response.getString("output[1].type"));
        assertEquals("Hi!", response.getString("output[1].content[0].text"));
        create(Map.of("model", "fake-model", "input", "[text] more", "previous_response_id", response.getString("id")));
        JsonNode messages = lastUpstreamRequest().path("messages");
        assertEquals(3, messages.size(), "user, assistant, user: no reasoning goes back upstream");
        assertEquals("Hi!", messages.at("/1/content").asText());
    }

    @Test
    void aSlowStreamCompletesAndAStalledOneTimesOut() {
        JsonPath slow = create(Map.of("model", "fake-model", "input", "[slow] take your time"));
        assertEquals("completed", slow.getString("status"));
        assertEquals(40, slow.getString("output[0].content[0].text").split(" ").length);
        JsonPath stalled = create(Map.of("model", "fake-model", "input", "[stall] think"));
        assertEquals("failed", stalled.getString("status"));
        assertEquals("server_error", stalled.getString("error.code"));
        assertTrue(stalled.getString("error.message").contains("BATON_UPSTREAM_IDLE_TIMEOUT"), stalled.getString("error.message"));
    }

    @Test
    void structuredOutputsBecomeTheChatResponseFormat() {
        create(Map.of("model", "fake-model", "input", "[text] weather as JSON",
                "text", Map.of("format", Map.of("type", "json_schema", "name", "weather", "strict", true,
                        "schema", Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string")))))));
        JsonNode format = lastUpstreamRequest().path("response_format");
        assertEquals("json_schema", format.path("type").asText());
        assertEquals("weather", format.at("/json_schema/name").asText());
        assertTrue(format.at("/json_schema/strict").asBoolean());
        assertEquals("string", format.at("/json_schema/schema/properties/city/type").asText());
        create(Map.of("model", "fake-model", "input", "[text] plain"));
        assertTrue(lastUpstreamRequest().path("response_format").isMissingNode(), "plain text asks for no format");
    }
}
