package dev.baton.engine;

import static dev.baton.support.Requests.create;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.core.ObjectMappers;
import com.openai.models.responses.ResponseStreamEvent;
import dev.baton.support.Requests;
import dev.baton.support.Sse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code BATON_ENGINE=openai-responses} over HTTP/SSE, against a faithful fake Responses API. */
@QuarkusTest
@TestProfile(ResponsesHttpEngineTest.OverHttp.class)
class ResponsesHttpEngineTest {

    public static class OverHttp implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeResponsesUpstream.class, Map.of("transport", "http")));
        }
    }

    private static JsonNode upstreamBody() {
        return FakeResponsesUpstream.server.last().body();
    }

    @Test
    void streamsTextStatelesslyWithTheUpstreamUsage() {
        JsonPath first = create(Map.of("model", "fake-model", "input", "[text] hello", "instructions", "Be kind."));
        assertEquals("completed", first.getString("status"));
        assertEquals("Hello from up-a ✓", first.getString("output[0].content[0].text"));
        assertTrue(first.getString("output[0].id").startsWith("msg_"));
        assertFalse(first.getString("output[0].id").contains("up-a"), "Baton's own item ids, not the upstream's");
        assertEquals(10, first.getInt("usage.input_tokens"));
        JsonNode body = upstreamBody();
        assertFalse(body.path("store").asBoolean(true), "Baton keeps the state: store:false upstream");
        assertTrue(body.path("stream").asBoolean());
        assertEquals("Be kind.", body.path("instructions").asText());
        assertEquals("fake-model", body.path("model").asText());
        assertFalse(body.at("/input/0").has("id"));

        JsonPath second = create(Map.of("model", "fake-model", "input", "[text] again",
                "previous_response_id", first.getString("id"), "instructions", "Be kind."));
        JsonNode resent = upstreamBody();
        assertFalse(resent.has("previous_response_id"), "over HTTP every turn carries the whole context");
        assertEquals(3, resent.path("input").size());
        assertEquals("assistant", resent.at("/input/1/role").asText());
        assertEquals("Hello from up-a ✓", resent.at("/input/1/content/0/text").asText());
        assertEquals(30, second.getInt("usage.input_tokens"));
        assertEquals(20, second.getInt("usage.input_tokens_details.cached_tokens"), "the upstream's prefix cache hit");
    }

    @Test
    void relaysParallelToolCallsAndSendsTheirOutputsBack() {
        JsonPath calls = create(Map.of("model", "fake-model", "input", "[tools] weather and time?",
                "tools", List.of(Map.of("type", "function", "name", "get_weather", "parameters", Map.of("type", "object")),
                        Map.of("type", "function", "name", "get_time", "parameters", Map.of("type", "object")))));
        assertEquals(2, calls.getList("output").size());
        assertEquals("function_call", calls.getString("output[0].type"));
        assertEquals("call_up-a_w", calls.getString("output[0].call_id"));
        assertEquals("{\"city\":\"Paris\"}", calls.getString("output[0].arguments"));
        assertEquals("get_time", calls.getString("output[1].name"));
        assertEquals(2, upstreamBody().path("tools").size());

        JsonPath answer = create(Map.of("model", "fake-model", "previous_response_id", calls.getString("id"),
                "input", List.of(Map.of("type", "function_call_output", "call_id", "call_up-a_w", "output", "18°C"),
                        Map.of("type", "function_call_output", "call_id", "call_up-a_t", "output", "noon"))));
        assertEquals("Tool said: noon", answer.getString("output[0].content[0].text"));
        JsonNode input = upstreamBody().path("input");
        assertEquals(5, input.size());
        assertEquals("function_call", input.at("/1/type").asText());
        assertEquals("call_up-a_w", input.at("/1/call_id").asText());
        assertEquals("function_call_output", input.at("/3/type").asText());
        assertEquals("18°C", input.at("/3/output").asText());
    }

    @Test
    void relaysReasoningWithItsEncryptedContent() throws Exception {
        String body = given().contentType(ContentType.JSON)
                .body(Map.of("model", "fake-model", "input", "[reasoning] hi", "stream", true))
                .when().post("/v1/responses").then().statusCode(200).extract().asString();
        List<Sse.Event> events = Sse.parse(body);
        assertTrue(events.stream().anyMatch(e -> e.type().equals("response.reasoning_text.delta")));
        for (Sse.Event event : events) {
            ObjectMappers.jsonMapper().readValue(event.data().toString(), ResponseStreamEvent.class).validate();
        }
        JsonNode done = events.get(events.size() - 1).data().path("response");
        assertEquals("reasoning", done.at("/output/0/type").asText());
        assertEquals("The user greets; answer briefly.", done.at("/output/0/content/0/text").asText());
        assertEquals("enc:up-a:32", done.at("/output/0/encrypted_content").asText());
        assertEquals("message", done.at("/output/1/type").asText());

        create(Map.of("model", "fake-model", "input", "[text] and?", "previous_response_id", done.path("id").asText()));
        JsonNode sentBack = upstreamBody().at("/input/1");
        assertEquals("reasoning", sentBack.path("type").asText());
        assertEquals("enc:up-a:32", sentBack.path("encrypted_content").asText());
    }

    @Test
    void lengthBecomesIncomplete() {
        JsonPath response = create(Map.of("model", "fake-model", "input", "[length] go"));
        assertEquals("incomplete", response.getString("status"));
        assertEquals("max_output_tokens", response.getString("incomplete_details.reason"));
    }

    @Test
    void everyUpstreamFailureFailsTheResponseAndLeavesTheChainUsable() {
        String good = create(Map.of("model", "fake-model", "input", "[text] first")).getString("id");
        Map<String, String> expected = Map.of(
                "[fail]", "server_error", "[disconnect]", "server_error", "[malformed]", "server_error",
                "[bad-request]", "invalid_prompt");
        expected.forEach((mode, code) -> {
            int sent = FakeResponsesUpstream.server.received().size();
            JsonPath failed = create(Map.of("model", "fake-model", "input", mode, "previous_response_id", good));
            assertEquals(sent + 1, FakeResponsesUpstream.server.received().size(), mode + " is not retried");
            assertEquals("failed", failed.getString("status"), mode);
            assertEquals(code, failed.getString("error.code"), mode);
            assertTrue(failed.getString("error.message").contains("upstream"), failed.getString("error.message"));
            Requests.post(Map.of("model", "fake-model", "input", "x", "previous_response_id", failed.getString("id")))
                    .then().statusCode(400).body("error.code", equalTo("previous_response_not_found"));
        });
        assertTrue(create(Map.of("model", "fake-model", "input", "[bad-request] x")).getString("error.message")
                .contains("Input is too long"), "the upstream's own message");
        JsonPath again = create(Map.of("model", "fake-model", "input", "[text] again", "previous_response_id", good));
        assertEquals("completed", again.getString("status"));
        assertEquals(3, upstreamBody().path("input").size(), "the failed turns left nothing in the chain");
    }

    @Test
    void retriesAFailureBeforeTheFirstToken() {
        JsonPath response = create(Map.of("model", "fake-model", "input", "[flaky] please"));
        assertEquals("completed", response.getString("status"));
        assertEquals("Hello from up-a ✓", response.getString("output[0].content[0].text"));
    }

    @Test
    void anUnknownModelIsRejectedBeforeTheTurn() {
        Requests.post(Map.of("model", "other-model", "input", "hi")).then().statusCode(400)
                .body("error.code", equalTo("model_not_found")).body("error.param", equalTo("model"));
    }

    @Test
    void manyTurnsStreamFromOneEndpointAtOnce() throws Exception {
        int turns = 12; // more than Vert.x's default of 5 connections per host
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(turns);
        try {
            List<java.util.concurrent.Future<JsonPath>> running = new java.util.ArrayList<>();
            for (int i = 0; i < turns; i++) {
                running.add(clients.submit(() -> create(Map.of("model", "fake-model", "input", "[slow] in parallel"))));
            }
            for (java.util.concurrent.Future<JsonPath> turn : running) {
                assertEquals("completed", turn.get(60, java.util.concurrent.TimeUnit.SECONDS).getString("status"));
            }
        } finally {
            clients.shutdownNow();
        }
        assertTrue(FakeResponsesUpstream.server.mostConcurrentStreams() >= turns,
                "upstream streams ran side by side: " + FakeResponsesUpstream.server.mostConcurrentStreams());
    }

    @Test
    void aStalledUpstreamTimesOutAndLeavesTheChainUsable() {
        String good = create(Map.of("model", "fake-model", "input", "[text] first")).getString("id");
        JsonPath stalled = create(Map.of("model", "fake-model", "input", "[stall] think", "previous_response_id", good));
        assertEquals("failed", stalled.getString("status"));
        assertEquals("server_error", stalled.getString("error.code"));
        assertTrue(stalled.getString("error.message").contains("upstream"), stalled.getString("error.message"));
        assertEquals("completed", create(Map.of("model", "fake-model", "input", "[text] again",
                "previous_response_id", good)).getString("status"));
    }

    @Test
    void reasoningTextAndIncludeSettingsGoUpstream() {
        create(Map.of("model", "fake-model", "input", "[text] think", "reasoning", Map.of("effort", "low", "summary", "auto"),
                "include", List.of("reasoning.encrypted_content"), "text", Map.of("format", Map.of("type", "json_object")),
                "prompt_cache_key", "agent-v1", "max_output_tokens", 256));
        JsonNode body = upstreamBody();
        assertEquals("low", body.at("/reasoning/effort").asText());
        assertEquals("reasoning.encrypted_content", body.at("/include/0").asText());
        assertEquals("json_object", body.at("/text/format/type").asText());
        assertEquals("agent-v1", body.path("prompt_cache_key").asText());
        assertEquals(256, body.path("max_output_tokens").asInt());
    }
}
