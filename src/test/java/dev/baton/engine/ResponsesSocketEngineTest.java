package dev.baton.engine;

import static dev.baton.support.Requests.create;
import static org.awaitility.Awaitility.await;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.Metrics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.RestAssured;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code BATON_ENGINE=openai-responses} over the upstream's WebSocket mode, against the fake Responses API. */
@QuarkusTest
@TestProfile(ResponsesSocketEngineTest.OverWebSocket.class)
class ResponsesSocketEngineTest {

    public static class OverWebSocket implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeResponsesUpstream.class, Map.of("transport", "websocket")));
        }
    }

    private static FakeResponsesServer upstream() {
        return FakeResponsesUpstream.server;
    }

    private static double socketTurns(String mode) {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return Metrics.sum(metrics, "baton_upstream_socket_turns_total", "mode=\"" + mode + "\"");
    }

    @Test
    void aChainContinuesOnItsUpstreamSocketWithOnlyTheNewItems() {
        int before = upstream().connections();
        JsonPath first = create(Map.of("model", "fake-model", "input", "[text] hello", "instructions", "Be kind."));
        assertEquals("Hello from up-a ✓", first.getString("output[0].content[0].text"));
        assertEquals(before + 1, upstream().connections());
        FakeResponsesServer.Received opening = upstream().last();
        assertEquals("websocket", opening.transport());
        assertEquals("response.create", opening.body().path("type").asText());
        assertFalse(opening.body().path("store").asBoolean(true));

        JsonPath calls = create(Map.of("model", "fake-model", "input", "[tools] weather and time?",
                "previous_response_id", first.getString("id"), "instructions", "Be kind."));
        FakeResponsesServer.Received continued = upstream().last();
        assertEquals(before + 1, upstream().connections(), "the chain's upstream socket is reused");
        assertEquals(opening.connection(), continued.connection());
        assertTrue(continued.body().path("previous_response_id").asText().startsWith("resp_up-a_"));
        assertEquals(1, continued.body().path("input").size(), "only the new item goes upstream");
        assertEquals(20, calls.getInt("usage.input_tokens_details.cached_tokens"));
        assertEquals("call_up-a_w", calls.getString("output[0].call_id"));

        JsonPath answer = create(Map.of("model", "fake-model", "previous_response_id", calls.getString("id"),
                "input", List.of(Map.of("type", "function_call_output", "call_id", "call_up-a_w", "output", "18°C"),
                        Map.of("type", "function_call_output", "call_id", "call_up-a_t", "output", "noon"))));
        assertEquals("Tool said: noon", answer.getString("output[0].content[0].text"));
        JsonNode outputs = upstream().last().body().path("input");
        assertEquals(2, outputs.size());
        assertEquals("function_call_output", outputs.at("/0/type").asText());
        assertEquals(before + 1, upstream().connections());
    }

    @Test
    void anUpstreamThatForgotTheResponseGetsTheWholeContextOnTheSameSocket() {
        String first = create(Map.of("model", "fake-model", "input", "[text] one")).getString("id");
        double resentBefore = socketTurns("resent");
        upstream().forgetResponses(true);
        try {
            JsonPath second = create(Map.of("model", "fake-model", "input", "[text] two", "previous_response_id", first));
            assertEquals("completed", second.getString("status"));
            List<FakeResponsesServer.Received> all = upstream().received();
            FakeResponsesServer.Received refused = all.get(all.size() - 2);
            FakeResponsesServer.Received resent = all.get(all.size() - 1);
            assertTrue(refused.body().has("previous_response_id"));
            assertEquals(refused.connection(), resent.connection());
            assertFalse(resent.body().has("previous_response_id"));
            assertEquals(3, resent.body().path("input").size());
            assertEquals(resentBefore + 1, socketTurns("resent"));
        } finally {
            upstream().forgetResponses(false);
        }
    }

    @Test
    void aForkOpensItsOwnUpstreamSocketWithTheWholeContext() {
        String parent = create(Map.of("model", "fake-model", "input", "[text] root")).getString("id");
        int connections = upstream().connections();
        create(Map.of("model", "fake-model", "input", "[text] left", "previous_response_id", parent));
        assertEquals(connections, upstream().connections());
        JsonPath right = create(Map.of("model", "fake-model", "input", "[text] right", "previous_response_id", parent));
        assertEquals("completed", right.getString("status"));
        assertEquals(connections + 1, upstream().connections());
        assertEquals(3, upstream().last().body().path("input").size());
    }

    @Test
    void everyUpstreamFailureFailsTheResponseAndLeavesTheChainUsable() {
        String good = create(Map.of("model", "fake-model", "input", "[text] first")).getString("id");
        Map<String, String> expected = Map.of("[fail]", "server_error", "[disconnect]", "server_error",
                "[malformed]", "server_error", "[bad-request]", "invalid_prompt");
        expected.forEach((mode, code) -> {
            int sent = FakeResponsesUpstream.server.received().size();
            JsonPath failed = create(Map.of("model", "fake-model", "input", mode, "previous_response_id", good));
            assertEquals(sent + 1, FakeResponsesUpstream.server.received().size(), mode + " is not retried");
            assertEquals("failed", failed.getString("status"), mode);
            assertEquals(code, failed.getString("error.code"), mode);
            assertTrue(failed.getString("error.message").contains("upstream"), failed.getString("error.message"));
        });
        JsonPath again = create(Map.of("model", "fake-model", "input", "[text] again", "previous_response_id", good));
        assertEquals("completed", again.getString("status"));
        assertEquals(3, upstream().last().body().path("input").size(), "a fresh socket gets the whole good chain");
    }

    @Test
    void aSocketClosedBeforeAnsweringIsRetriedOnAFreshOne() {
        JsonPath response = create(Map.of("model", "fake-model", "input", "[flaky] please"));
        assertEquals("completed", response.getString("status"));
    }

    @Test
    void readinessReportsTheEndpoints() {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'engine' }.data.engine", equalTo("openai-responses"))
                .body("checks.find { it.name == 'engine' }.data.'endpoint upstream'", equalTo("up"));
    }

    @Test
    void aSlowStreamCompletesAndAClientThatLeavesStopsTheUpstreamResponse() throws Exception {
        JsonPath slow = create(Map.of("model", "fake-model", "input", "[slow] take your time"));
        assertEquals("completed", slow.getString("status"));
        assertEquals(40, slow.getString("output[0].content[0].text").split(" ").length);

        int open = upstream().openSockets();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + RestAssured.port + "/v1/responses"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"fake-model\",\"stream\":true,\"input\":\"[slow] leave early\"}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body()));
        String line;
        while ((line = lines.readLine()) != null && !line.contains("response.output_text.delta")) {
            // read until the first delta: the upstream is generating
        }
        assertEquals(open + 1, upstream().openSockets(), "the turn holds an upstream socket");
        stream.body().close();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> upstream().openSockets() == open);
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
}
