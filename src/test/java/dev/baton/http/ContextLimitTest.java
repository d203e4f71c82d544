package dev.baton.http;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A chain that would outgrow BATON_LIMITS_MAX_CONTEXT_TOKENS is refused before the engine runs, and stays usable. */
@QuarkusTest
@TestProfile(ContextLimitTest.SmallContext.class)
class ContextLimitTest {

    public static class SmallContext implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.limits.max-context-tokens", "400");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Test
    void aTurnBeyondTheLimitIsRefusedAndTheChainStaysContinuable() {
        String first = given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "short"))
                .when().post("/v1/responses").then().statusCode(200).extract().path("id");
        String big = "word ".repeat(600);
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", big, "previous_response_id", first))
                .when().post("/v1/responses").then().statusCode(400)
                .body("error.code", equalTo("context_length_exceeded"))
                .body("error.message", containsString("at most 400"));
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "still fine", "previous_response_id", first))
                .when().post("/v1/responses").then().statusCode(200);

        try (WsClient ws = WsClient.connect(root)) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", big));
            List<JsonNode> frames = ws.untilTerminal();
            JsonNode error = frames.get(frames.size() - 1);
            assertEquals("error", error.path("type").asText(), error.toString());
            assertEquals("context_length_exceeded", error.at("/error/code").asText());
        }
    }
}
