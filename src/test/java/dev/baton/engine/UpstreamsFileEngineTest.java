package dev.baton.engine;

import static dev.baton.support.Requests.create;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.support.Metrics;
import dev.baton.support.Requests;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A {@code BATON_UPSTREAMS} file routing models to endpoints of different protocols. */
@QuarkusTest
@TestProfile(UpstreamsFileEngineTest.WithUpstreamsFile.class)
class UpstreamsFileEngineTest {

    public static class WithUpstreamsFile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TwoUpstreams.class));
        }
    }

    /** A chat-completions fake and a Responses fake, named in one upstreams file. */
    public static class TwoUpstreams implements QuarkusTestResourceLifecycleManager {
        private final FakeChatServer chat = new FakeChatServer();
        private FakeResponsesServer responses;

        @Override
        public Map<String, String> start() {
            String chatUrl = chat.start().get("baton.upstream.url");
            responses = new FakeResponsesServer("up-a", "sk-responses").start(0);
            try {
                Path file = Files.createTempFile("baton-upstreams", ".yaml");
                Files.writeString(file, """
                        endpoints:
                          - name: vllm-chat
                            url: %s
                            api_key: sk-upstream
                            models: [small-model]
                            upstream_model: fake-model
                          - name: hosted
                            url: %s
                            protocol: openai-responses
                            api_key_env: BATON_TEST_UPSTREAM_KEY
                            headers: {x-team: agents}
                            models: [fake-model]
                        """.formatted(chatUrl, responses.url()));
                return Map.of("baton.upstreams", file.toString(), "baton.upstream.health-interval", "1s");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void stop() {
            chat.stop();
            responses.stop();
        }
    }

    @Test
    void eachModelGoesToItsEndpointInItsProtocol() {
        assertEquals("Hello from the fake engine ✓",
                create(Map.of("model", "small-model", "input", "[text] hi")).getString("output[0].content[0].text"));
        assertEquals("fake-model", FakeChatServer.REQUESTS.get(FakeChatServer.REQUESTS.size() - 1).path("model").asText(),
                "upstream_model renames the model sent upstream");
        assertEquals("Hello from up-a ✓",
                create(Map.of("model", "fake-model", "input", "[text] hi")).getString("output[0].content[0].text"));
        Requests.post(Map.of("model", "gpt-unknown", "input", "hi")).then().statusCode(400)
                .body("error.code", equalTo("model_not_found"));
        given().when().get("/v1/models").then().statusCode(200).body("data.id", hasItems("small-model", "fake-model"));
    }

    @Test
    void routesAndHealthAreVisible() {
        create(Map.of("model", "small-model", "input", "[text] count me"));
        String metrics = given().when().get("/q/metrics").then().extract().asString();
        assertTrue(Metrics.sum(metrics, "baton_upstream_routes_total", "endpoint=\"vllm-chat\"") >= 1, metrics);
        assertEquals(1.0, Metrics.sum(metrics, "baton_upstream_up", "endpoint=\"hosted\""));
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'engine' }.data.endpoints_up", equalTo("2/2"));
    }
}
