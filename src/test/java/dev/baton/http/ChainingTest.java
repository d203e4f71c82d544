package dev.baton.http;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.support.Metrics;
import dev.baton.support.Requests;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ChainingTest {

    private static Response post(Map<String, Object> body) {
        Response response = given().contentType(ContentType.JSON).body(body).when().post("/v1/responses");
        response.then().statusCode(200);
        return response;
    }

    @Test
    void chainedTurnsSeeTheSameContextAsAFullResend() {
        String nonce = UUID.randomUUID().toString();
        List<Object> transcript = new ArrayList<>();
        String previous = null;
        for (int turn = 1; turn <= 5; turn++) {
            Map<String, Object> userMessage = Map.of("role", "user", "content", "Turn " + turn + " " + nonce);
            Map<String, Object> chained = new HashMap<>(Map.of("model", "baton-simulator",
                    "input", List.of(userMessage), "instructions", "Be exact."));
            if (previous != null) {
                chained.put("previous_response_id", previous);
            }
            Response chainedResponse = post(chained);

            transcript.add(userMessage);
            Response fullResponse = post(Map.of("model", "baton-simulator", "input", transcript,
                    "instructions", "Be exact.", "store", false));

            String chainedFingerprint = chainedResponse.header("x-baton-context-fingerprint");
            assertEquals(fullResponse.header("x-baton-context-fingerprint"), chainedFingerprint, "turn " + turn);
            String text = chainedResponse.jsonPath().getString("output[0].content[0].text");
            assertEquals(chainedFingerprint, Requests.fingerprintOfText(text));
            assertTrue(text.startsWith("Simulated reply #" + turn), text);
            assertEquals(fullResponse.jsonPath().getString("output[0].content[0].text"), text,
                    "the simulator answers a context, however it arrived");
            assertEquals(fullResponse.jsonPath().getInt("usage.input_tokens"),
                    chainedResponse.jsonPath().getInt("usage.input_tokens"));

            transcript.add(chainedResponse.jsonPath().getMap("output[0]"));
            previous = chainedResponse.jsonPath().getString("id");
        }
    }

    @Test
    void aToolLoopChainedWithOnlyToolOutputsMatchesAFullResend() {
        String nonce = UUID.randomUUID().toString();
        List<Object> transcript = new ArrayList<>(List.of(Map.of("role", "user", "content", "Fix the build " + nonce)));
        Response response = post(Map.of("model", "agent-loop", "input", transcript));
        for (int turn = 2; turn <= 3; turn++) {
            List<Map<String, Object>> outputs = response.jsonPath().getList("output");
            List<Object> toolOutputs = new ArrayList<>();
            for (Map<String, Object> call : outputs) {
                toolOutputs.add(Map.of("type", "function_call_output", "call_id", call.get("call_id"),
                        "output", "ran " + call.get("name")));
            }
            transcript.addAll(outputs);
            transcript.addAll(toolOutputs);
            Response chained = post(Map.of("model", "agent-loop", "input", toolOutputs,
                    "previous_response_id", response.jsonPath().getString("id")));
            Response full = post(Map.of("model", "agent-loop", "input", transcript, "store", false));
            assertEquals(full.header("x-baton-context-fingerprint"), chained.header("x-baton-context-fingerprint"));
            assertEquals(full.jsonPath().getList("output.type"), chained.jsonPath().getList("output.type"));
            response = chained;
        }
        String text = response.jsonPath().getString("output[0].content[0].text");
        assertEquals("Both tools ran. Context " + response.header("x-baton-context-fingerprint") + ".", text);
    }

    @Test
    void instructionsAreNotInherited() {
        String nonce = UUID.randomUUID().toString();
        Response first = post(Map.of("model", "baton-simulator", "input", "Hi " + nonce, "instructions", "Speak French."));
        Response chained = post(Map.of("model", "baton-simulator", "input", "Again",
                "previous_response_id", first.jsonPath().getString("id")));
        assertEquals(null, chained.jsonPath().getString("instructions"));

        List<Object> transcript = List.of(Map.of("role", "user", "content", "Hi " + nonce),
                first.jsonPath().getMap("output[0]"), Map.of("role", "user", "content", "Again"));
        Response withoutInstructions = post(Map.of("model", "baton-simulator", "input", transcript, "store", false));
        Response withInstructions = post(Map.of("model", "baton-simulator", "input", transcript,
                "instructions", "Speak French.", "store", false));
        assertEquals(withoutInstructions.header("x-baton-context-fingerprint"),
                chained.header("x-baton-context-fingerprint"));
        assertNotEquals(withInstructions.header("x-baton-context-fingerprint"),
                chained.header("x-baton-context-fingerprint"));
    }

    @Test
    void aContinuationHitsTheSimulatedPrefixCache() {
        String nonce = UUID.randomUUID().toString();
        Response first = post(Map.of("model", "baton-simulator", "input", "Prefix " + nonce));
        assertEquals(0, first.jsonPath().getInt("usage.input_tokens_details.cached_tokens"));
        Response second = post(Map.of("model", "baton-simulator", "input", "More",
                "previous_response_id", first.jsonPath().getString("id")));
        assertEquals(first.jsonPath().getInt("usage.input_tokens"),
                second.jsonPath().getInt("usage.input_tokens_details.cached_tokens"));
    }

    @Test
    void itemReferencesResolveAgainstTheChain() {
        Response first = post(Map.of("model", "baton-simulator", "input", "Remember " + UUID.randomUUID()));
        String assistantItem = first.jsonPath().getString("output[0].id");
        Response second = post(Map.of("model", "baton-simulator", "previous_response_id",
                first.jsonPath().getString("id"),
                "input", List.of(Map.of("type", "item_reference", "id", assistantItem))));
        given().when().get("/v1/responses/" + second.jsonPath().getString("id") + "/input_items")
                .then().statusCode(200)
                .body("data[0].id", org.hamcrest.Matchers.equalTo(assistantItem))
                .body("data[0].role", org.hamcrest.Matchers.equalTo("assistant"));
    }

    private static double metric(String name, String label) {
        String exposition = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return label == null ? Math.max(0, Metrics.value(exposition, name)) : Metrics.sum(exposition, name, label);
    }

    @Test
    void aFullResendReusesTheContextOfTheTurnItRepeats() {
        Map<String, Object> question = Map.of("role", "user", "content", "Plan " + UUID.randomUUID());
        Response first = post(Map.of("model", "baton-simulator", "input", List.of(question), "store", false));
        Map<String, Object> answer = first.jsonPath().getMap("output[0]");
        double hits = metric("baton_prefix_index_lookups_total", "result=\"hit\"");
        double reused = metric("baton_prefix_index_reused_items_total", null);

        List<Object> transcript = List.of(question, answer, Map.of("role", "user", "content", "Go on"));
        Response second = post(Map.of("model", "baton-simulator", "input", transcript));
        assertEquals(hits + 1, metric("baton_prefix_index_lookups_total", "result=\"hit\""));
        assertEquals(reused + 2, metric("baton_prefix_index_reused_items_total", null));
        assertTrue(second.jsonPath().getString("output[0].content[0].text").startsWith("Simulated reply #2"),
                "the reused context holds the first turn's answer");
        assertEquals(first.jsonPath().getInt("usage.input_tokens"),
                second.jsonPath().getInt("usage.input_tokens_details.cached_tokens"),
                "the engine sees the same prefix as a chained turn would");

        // the stored response's input is everything the request sent, with the ids the context holds
        Response inputItems = given().when().get("/v1/responses/" + second.jsonPath().getString("id") + "/input_items");
        inputItems.then().statusCode(200);
        assertEquals(3, inputItems.jsonPath().getList("data").size());
        assertEquals(answer.get("id"), inputItems.jsonPath().getString("data[1].id"));
        String questionId = inputItems.jsonPath().getString("data[2].id"); // newest first
        Response referenced = post(Map.of("model", "baton-simulator", "previous_response_id",
                second.jsonPath().getString("id"),
                "input", List.of(Map.of("type", "item_reference", "id", questionId))));
        given().when().get("/v1/responses/" + referenced.jsonPath().getString("id") + "/input_items")
                .then().statusCode(200).body("data[0].content[0].text", org.hamcrest.Matchers.equalTo(question.get("content")));
    }

    @Test
    void anEditedResendIsRenderedAgainNotReused() {
        Map<String, Object> question = Map.of("role", "user", "content", "Draft " + UUID.randomUUID());
        Response first = post(Map.of("model", "baton-simulator", "input", List.of(question), "store", false));
        Map<String, Object> answer = new HashMap<>(first.jsonPath().getMap("output[0]"));
        Response same = post(Map.of("model", "baton-simulator", "store", false,
                "input", List.of(question, answer, Map.of("role", "user", "content", "ok"))));

        double misses = metric("baton_prefix_index_lookups_total", "result=\"miss\"");
        answer.remove("id");
        answer.put("content", List.of(Map.of("type", "output_text", "text", "An answer the model never gave.")));
        Response edited = post(Map.of("model", "baton-simulator", "store", false,
                "input", List.of(question, answer, Map.of("role", "user", "content", "ok"))));
        assertEquals(misses + 1, metric("baton_prefix_index_lookups_total", "result=\"miss\""));
        assertNotEquals(same.header("x-baton-context-fingerprint"), edited.header("x-baton-context-fingerprint"));
        assertEquals(Requests.fingerprintOfText(edited.jsonPath().getString("output[0].content[0].text")),
                edited.header("x-baton-context-fingerprint"));
    }
}
