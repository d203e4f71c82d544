package dev.baton.compaction;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.Requests;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/responses/compact} over the simulator, whose summaries are deterministic: the window is the user
 * messages and one sealed compaction item; a turn on the window reaches the engine with the summary in the item's place
 * (a second compaction's summary quotes the first); an altered or another tenant's item is a clear 400.
 */
@QuarkusTest
@TestProfile(CompactionTest.TwoTenants.class)
class CompactionTest {

    public static class TwoTenants implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.api-keys", "sk-alpha=alpha,sk-beta=beta",
                    "baton.compaction.keys", "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        }
    }

    @TestHTTPResource("/")
    URL root;

    private static Response post(String key, String path, Map<String, Object> body) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body(body)
                .when().post(path);
    }

    private static String chain(String key, String... inputs) {
        String previous = null;
        for (String input : inputs) {
            Map<String, Object> body = new HashMap<>(Map.of("model", "baton-simulator", "input", input));
            if (previous != null) {
                body.put("previous_response_id", previous);
            }
            previous = post(key, "/v1/responses", body).then().statusCode(200).extract().path("id");
        }
        return previous;
    }

    private static JsonNode compact(String key, Map<String, Object> body) {
        Response response = post(key, "/v1/responses/compact", body);
        response.then().statusCode(200);
        return Requests.asTree(response.asString());
    }

    private static double compactions() {
        return dev.baton.support.Metrics.sum(given().when().get("/q/metrics").then().statusCode(200).extract().asString(),
                "baton_compactions_total", "trigger=\"compact_endpoint\"");
    }

    @Test
    void compactsAChainIntoItsUserMessagesAndOneSealedItemThatTheNextTurnExpands() {
        String last = chain("sk-alpha", "The build uses Maven 3.9", "Tests need redis-server", "Ship it on Friday");
        double before = compactions();
        JsonNode compacted = compact("sk-alpha", Map.of("model", "baton-simulator", "previous_response_id", last));
        assertEquals(before + 1, compactions(), "counted in baton_compactions_total{trigger=\"compact_endpoint\"}");
        assertEquals("response.compaction", compacted.path("object").asText());
        assertTrue(compacted.path("id").asText().startsWith("resp_"));
        JsonNode output = compacted.path("output");
        assertEquals(4, output.size(), output.toString());
        assertEquals(List.of("The build uses Maven 3.9", "Tests need redis-server", "Ship it on Friday"),
                List.of(output.at("/0/content/0/text").asText(), output.at("/1/content/0/text").asText(),
                        output.at("/2/content/0/text").asText()));
        JsonNode item = output.get(3);
        assertEquals("compaction", item.path("type").asText());
        assertTrue(item.path("id").asText().startsWith("cmp_"));
        assertTrue(item.path("encrypted_content").asText().startsWith("baton1.k1."));
        assertFalse(item.toString().contains("Maven"), "the summary is sealed, not readable");
        assertTrue(compacted.at("/usage/input_tokens").asLong() > 0 && compacted.at("/usage/output_tokens").asLong() > 0);

        // the window starts a new chain; the engine reads the item's summary in its place
        List<Object> window = new ArrayList<>(Requests.asMap(compacted).get("output") instanceof List<?> list ? list : List.of());
        window.add(Map.of("role", "user", "content", "Deploy notes next"));
        Response next = post("sk-alpha", "/v1/responses", Map.of("model", "baton-simulator", "input", window));
        next.then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("completed"));
        String inputItems = given().header("Authorization", "Bearer sk-alpha")
                .when().get("/v1/responses/" + next.path("id") + "/input_items?order=asc").then().statusCode(200)
                .extract().asString();
        assertTrue(inputItems.contains(item.path("encrypted_content").asText()), "stored as sent");
        assertFalse(inputItems.contains("Summary of"), "no summary in what clients read back");

        JsonNode again = compact("sk-alpha", Map.of("model", "baton-simulator", "previous_response_id", next.path("id")));
        JsonNode second = again.path("output").get(again.path("output").size() - 1);
        String secondSummary = openedBy(second);
        assertTrue(secondSummary.contains("[Summary of 3 user messages: The build uses Maven 3.9 | Tests need redis-server"
                + " | Ship it on Friday]"), secondSummary);
        assertTrue(secondSummary.contains("Deploy notes next"), secondSummary);
    }

    /** Reads a summary back the way an engine gets it: through a turn whose only input is the item. */
    private String openedBy(JsonNode compactionItem) {
        JsonNode compacted = compact("sk-alpha", Map.of("model", "baton-simulator",
                "input", List.of(Requests.asMap(compactionItem))));
        JsonNode item = compacted.path("output").get(0);
        // a compaction of just one summary quotes it whole
        String outer = new CompactionSeal(List.of("k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")).open(
                item.path("encrypted_content").asText()).summary();
        return outer;
    }

    @Test
    void aCompactionTriggerSentToCompactChangesNothing() {
        JsonNode compacted = compact("sk-alpha", Map.of("model", "baton-simulator", "input", List.of(
                Map.of("role", "user", "content", "Remember the port 8080"), Map.of("type", "compaction_trigger"))));
        assertEquals(2, compacted.path("output").size(), compacted.toString());
        assertEquals("Remember the port 8080", compacted.at("/output/0/content/0/text").asText());
        assertEquals("compaction", compacted.at("/output/1/type").asText());
    }

    @Test
    void anAlteredOrAnotherTenantsItemIsAClearBadRequestOverHttpAndWebSocket() {
        JsonNode compacted = compact("sk-alpha", Map.of("model", "baton-simulator", "input", "Keep this secret plan"));
        JsonNode item = compacted.path("output").get(1);
        String sealed = item.path("encrypted_content").asText();
        Map<String, Object> altered = new HashMap<>(Requests.asMap(item));
        altered.put("encrypted_content", sealed.substring(0, sealed.length() - 3) + (sealed.endsWith("A") ? "BBB" : "AAA"));

        Response tampered = post("sk-alpha", "/v1/responses", Map.of("model", "baton-simulator",
                "input", List.of(Map.of("role", "user", "content", "hi"), altered)));
        tampered.then().statusCode(400).body("error.code", org.hamcrest.Matchers.equalTo("invalid_encrypted_content"))
                .body("error.param", org.hamcrest.Matchers.equalTo("input[1].encrypted_content"));
        Response foreign = post("sk-beta", "/v1/responses", Map.of("model", "baton-simulator",
                "input", List.of(Map.of("role", "user", "content", "hi"), Requests.asMap(item))));
        assertEquals(tampered.asString(), foreign.asString(), "another tenant's item gets the altered item's answer");
        post("sk-beta", "/v1/responses/compact", Map.of("model", "baton-simulator", "input", List.of(Requests.asMap(item))))
                .then().statusCode(400).body("error.code", org.hamcrest.Matchers.equalTo("invalid_encrypted_content"));

        try (WsClient ws = WsClient.connect(root, Map.of("Authorization", "Bearer sk-beta"))) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", List.of(Requests.asMap(item))));
            JsonNode error = ws.next();
            assertEquals("invalid_encrypted_content", error.at("/error/code").asText(), error.toString());
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "still usable"));
            List<JsonNode> frames = ws.untilTerminal();
            assertEquals("response.completed", frames.get(frames.size() - 1).path("type").asText());
        }
        try (WsClient ws = WsClient.connect(root, Map.of("Authorization", "Bearer sk-alpha"))) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", List.of(Requests.asMap(item))));
            List<JsonNode> frames = ws.untilTerminal();
            assertEquals("response.completed", frames.get(frames.size() - 1).path("type").asText(), "its own tenant's item");
        }
    }

    @Test
    void refusesAnEmptyCompactionAndUnknownFieldsClearly() {
        post("sk-alpha", "/v1/responses/compact", Map.of("model", "baton-simulator")).then().statusCode(400)
                .body("error.code", org.hamcrest.Matchers.equalTo("missing_required_parameter"));
        post("sk-alpha", "/v1/responses/compact", Map.of("model", "baton-simulator", "input", "x", "tools", List.of()))
                .then().statusCode(400).body("error.param", org.hamcrest.Matchers.equalTo("tools"));
        post("sk-alpha", "/v1/responses/compact", Map.of("model", "baton-simulator", "previous_response_id", "resp_gone"))
                .then().statusCode(400).body("error.code", org.hamcrest.Matchers.equalTo("previous_response_not_found"));
        post("sk-alpha", "/v1/responses/compact", Map.of("input", "x")).then().statusCode(400)
                .body("error.param", org.hamcrest.Matchers.equalTo("model"));
    }
}
