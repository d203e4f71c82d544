package dev.baton.compaction;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.session.HotCache;
import dev.baton.support.Requests;
import dev.baton.support.WithRedis;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code context_management: [{"type":"compaction","compact_threshold":N}]}: a turn whose parent's context passed N
 * runs on the compacted window as the root of a new chain, still naming its parent; the chain goes on from it, on a cold
 * replica too (rebuilt from Redis); below N nothing changes; a bad entry is a clear 400.
 */
@QuarkusTest
@TestProfile(ContextManagementTest.Keys.class)
class ContextManagementTest {

    public static class Keys extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.compaction.keys", "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        }
    }

    private static final List<Map<String, Object>> COMPACT_AT_1000 =
            List.of(Map.of("type", "compaction", "compact_threshold", 1000));

    @Inject
    HotCache hot;

    private static Response turn(String previous, String input) {
        Map<String, Object> body = new HashMap<>(Map.of("model", "baton-simulator", "input", input,
                "context_management", COMPACT_AT_1000));
        if (previous != null) {
            body.put("previous_response_id", previous);
        }
        Response response = given().contentType(ContentType.JSON).body(body).when().post("/v1/responses");
        response.then().statusCode(200).body("status", equalTo("completed"));
        return response;
    }

    private static String words(String topic, int count) {
        StringBuilder text = new StringBuilder(topic);
        for (int i = 0; i < count; i++) {
            text.append(' ').append(topic).append(i);
        }
        return text.toString();
    }

    @Test
    void aTurnPastTheThresholdRunsOnTheCompactedWindowAndTheChainGoesOn() {
        Response first = turn(null, words("alpha", 300));
        Response second = turn(first.path("id"), words("beta", 300));
        assertTrue(second.<String>path("output[0].content[0].text").startsWith("Simulated reply #2"), "below: unchanged");
        Response third = turn(second.path("id"), "gamma question");
        assertEquals(second.<String>path("id"), third.path("previous_response_id"), "it still names its parent");
        assertTrue(third.<String>path("output[0].content[0].text").startsWith("Simulated reply #1"),
                "the engine saw no earlier answers, only the window: " + third.path("output[0].content[0].text"));

        JsonNode input = Requests.asTree(given().when().get("/v1/responses/" + third.path("id") + "/input_items?order=asc")
                .then().statusCode(200).extract().asString()).path("data");
        assertEquals(4, input.size(), input.toString());
        assertTrue(input.at("/0/content/0/text").asText().startsWith("alpha"));
        assertTrue(input.at("/1/content/0/text").asText().startsWith("beta"));
        assertEquals("compaction", input.at("/2/type").asText());
        assertEquals("gamma question", input.at("/3/content/0/text").asText());

        Map<String, Object> next = Map.of("model", "baton-simulator", "previous_response_id", third.path("id"),
                "input", "delta", "store", false);
        String hotFingerprint = given().contentType(ContentType.JSON).body(next).when().post("/v1/responses")
                .then().statusCode(200).extract().header("x-baton-context-fingerprint");
        hot.clear();
        String coldFingerprint = given().contentType(ContentType.JSON).body(next).when().post("/v1/responses")
                .then().statusCode(200).extract().header("x-baton-context-fingerprint");
        assertEquals(hotFingerprint, coldFingerprint, "rebuilt from Redis, the compacted chain is the same context");
    }

    @Test
    void aBadContextManagementEntryIsAClearBadRequest() {
        for (Object bad : List.of(List.of(Map.of("type", "compaction", "compact_threshold", 10)),
                List.of(Map.of("type", "truncation")), "compaction", List.of(Map.of("type", "compaction")))) {
            given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "x",
                    "context_management", bad)).when().post("/v1/responses").then().statusCode(400)
                    .body("error.param", org.hamcrest.Matchers.startsWith("context_management"));
        }
    }
}
