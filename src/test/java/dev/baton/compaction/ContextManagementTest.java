package dev.baton.compaction;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.session.HotCache;
import dev.baton.support.Requests;
import dev.baton.support.Sse;
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
 * {@code context_management: [{"type":"compaction","compact_threshold":N}]}: a turn whose conversation (its input
 * included) passed N first emits a compaction item — streamed as {@code response.compaction.compacting} events while the
 * engine summarizes — then answers on the compacted window, as the root of a new chain that still names its parent; the
 * chain goes on from it, on a cold replica too (rebuilt from Redis); below N nothing changes; a bad entry is a clear 400.
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

    private static Map<String, Object> body(String previous, String input) {
        Map<String, Object> body = new HashMap<>(Map.of("model", "baton-simulator", "input", input,
                "context_management", COMPACT_AT_1000));
        if (previous != null) {
            body.put("previous_response_id", previous);
        }
        return body;
    }

    private static Response turn(String previous, String input) {
        Response response = given().contentType(ContentType.JSON).body(body(previous, input)).when().post("/v1/responses");
        response.then().statusCode(200).body("status", equalTo("completed"));
        return response;
    }

    /** {@code count} times the word: about {@code count} tokens. */
    private static String words(String word, int count) {
        return (word + " ").repeat(count).strip();
    }

    @Test
    void aTurnPastTheThresholdEmitsTheCompactionItemFirstAndRunsOnTheWindow() {
        Response first = turn(null, words("alpha", 600));
        assertEquals("message", first.path("output[0].type"), "below the threshold: no compaction");
        Response second = turn(first.path("id"), words("beta", 450));
        assertEquals(first.<String>path("id"), second.path("previous_response_id"), "it still names its parent");
        assertEquals(2, second.<List<?>>path("output").size(), second.asString());
        assertEquals("compaction", second.path("output[0].type"));
        assertTrue(second.<String>path("output[0].encrypted_content").startsWith("baton1.k1."));
        assertTrue(second.<String>path("output[1].content[0].text").startsWith("Simulated reply #1"),
                "the engine saw no earlier answer, only the window: " + second.path("output[1].content[0].text"));
        assertTrue(second.<Integer>path("usage.input_tokens") > 1000 + 450,
                "the usage counts the summary (the whole conversation) and the turn: " + second.path("usage"));

        JsonNode input = Requests.asTree(given().when().get("/v1/responses/" + second.path("id") + "/input_items?order=asc")
                .then().statusCode(200).extract().asString()).path("data");
        assertEquals(1, input.size(), "alpha, past half the threshold, lives on in the summary only: " + input);
        assertTrue(input.at("/0/content/0/text").asText().startsWith("beta"));

        Response third = turn(second.path("id"), "gamma question");
        assertEquals("message", third.path("output[0].type"), "the window is below the threshold again");
        assertTrue(third.<String>path("output[0].content[0].text").startsWith("Simulated reply #2"),
                "the engine saw the window's answer: " + third.path("output[0].content[0].text"));

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
    void theStreamAnnouncesTheCompactionBeforeTheAnswer() {
        Response first = turn(null, words("alpha", 600));
        Map<String, Object> streamed = body(first.path("id"), words("beta", 450));
        streamed.put("stream", true);
        List<Sse.Event> events = Sse.parse(given().contentType(ContentType.JSON).body(streamed).when()
                .post("/v1/responses").then().statusCode(200).extract().asString());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).data().path("sequence_number").asInt(), "numbered without a gap: "
                    + events.stream().map(e -> e.type() + "#" + e.data().path("sequence_number")).toList());
        }
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added"),
                events.subList(0, 3).stream().map(Sse.Event::type).toList());
        JsonNode added = events.get(2).data();
        assertEquals(0, added.path("output_index").asInt());
        assertEquals("compaction", added.at("/item/type").asText());
        String itemId = added.at("/item/id").asText();
        int done = -1;
        int compacting = 0;
        for (int i = 3; i < events.size() && done < 0; i++) {
            JsonNode event = events.get(i).data();
            if (event.path("type").asText().equals("response.compaction.compacting")) {
                compacting++;
                assertEquals(itemId, event.path("item_id").asText());
                assertEquals(0, event.path("output_index").asInt());
                assertTrue(event.path("delta").isMissingNode(), "no summary content leaves Baton");
            } else {
                assertEquals("response.output_item.done", event.path("type").asText(), event.toString());
                done = i;
            }
        }
        assertTrue(compacting > 0, "the summary's progress is announced");
        JsonNode item = events.get(done).data().path("item");
        assertEquals(itemId, item.path("id").asText());
        assertTrue(item.path("encrypted_content").asText().startsWith("baton1."));
        JsonNode answer = events.get(done + 1).data();
        assertEquals("response.output_item.added", answer.path("type").asText());
        assertEquals(1, answer.path("output_index").asInt(), "the answer follows the compaction item");
        JsonNode completed = events.get(events.size() - 1).data();
        assertEquals("response.completed", completed.path("type").asText());
        assertEquals(itemId, completed.at("/response/output/0/id").asText());
        assertEquals(item.path("encrypted_content"), completed.at("/response/output/0/encrypted_content"));
    }

    @Test
    void aCompactedWindowKeepsTheNewestUserMessagesWithinHalfTheThreshold() {
        Response first = turn(null, words("alpha", 300));
        Response second = turn(first.path("id"), words("beta", 200));
        Response third = turn(second.path("id"), words("gamma", 700));
        assertEquals("compaction", third.path("output[0].type"), third.asString());
        JsonNode input = Requests.asTree(given().when().get("/v1/responses/" + third.path("id") + "/input_items?order=asc")
                .then().statusCode(200).extract().asString()).path("data");
        assertEquals(List.of("beta", "gamma"), java.util.stream.StreamSupport.stream(input.spliterator(), false)
                .map(item -> item.at("/content/0/text").asText().split(" ")[0]).toList(),
                "beta (200 tokens) fits in half of 1000, with alpha (300) it would not: " + input);
    }

    private static Response create(Map<String, Object> body) {
        Map<String, Object> full = new HashMap<>(body);
        full.put("model", "baton-simulator");
        return given().contentType(ContentType.JSON).body(full).when().post("/v1/responses");
    }

    @Test
    void theTurnsOutputLimitAndToolsBindTheAnswerNotTheSummary() {
        String first = turn(null, words("alpha", 600)).path("id");
        Map<String, Object> limited = body(first, words("beta", 450));
        limited.put("max_output_tokens", 16);
        limited.put("tool_choice", "required");
        limited.put("tools", List.of(Map.of("type", "function", "name", "lookup", "parameters", Map.of("type", "object"))));
        Response answered = given().contentType(ContentType.JSON).body(limited).when().post("/v1/responses");
        answered.then().statusCode(200);
        assertEquals("compaction", answered.path("output[0].type"), "the summary was not cut at 16 tokens: "
                + answered.asString());
        assertTrue(answered.<Integer>path("usage.output_tokens") > 16, "the summary and the answer are counted");
    }

    @Test
    void aCompactionTriggerCompactsNowAndAnswersWithTheCompactionItemAlone() {
        String first = create(Map.of("input", "Remember: the port is 8080")).then().statusCode(200).extract().path("id");
        Response compacted = create(Map.of("previous_response_id", first,
                "input", List.of(Map.of("type", "compaction_trigger"))));
        compacted.then().statusCode(200).body("status", equalTo("completed"));
        assertEquals(1, compacted.<List<?>>path("output").size(), compacted.asString());
        assertEquals("compaction", compacted.path("output[0].type"));
        assertTrue(compacted.<Integer>path("usage.output_tokens") > 0, "the summary is counted");
        JsonNode input = Requests.asTree(given().when().get("/v1/responses/" + compacted.path("id")
                + "/input_items").then().statusCode(200).extract().asString()).path("data");
        assertEquals(1, input.size(), "the window keeps the user message; the trigger is not an item: " + input);

        String next = create(Map.of("previous_response_id", compacted.path("id"), "input", "Which port?"))
                .then().statusCode(200).extract().path("output[0].content[0].text");
        assertTrue(next.startsWith("Simulated reply #1"), "the engine read the window, no earlier answer: " + next);

        create(Map.of("previous_response_id", first, "input", List.of(Map.of("type", "compaction_trigger"),
                Map.of("role", "user", "content", "after")))).then().statusCode(400)
                .body("error.param", equalTo("input[0]")).body("error.message", org.hamcrest.Matchers.containsString("final"));
        create(Map.of("input", List.of(Map.of("type", "compaction_trigger")))).then().statusCode(400)
                .body("error.message", org.hamcrest.Matchers.containsString("Nothing to compact"));
        create(Map.of("previous_response_id", first, "generate", false,
                "input", List.of(Map.of("type", "compaction_trigger")))).then().statusCode(400)
                .body("error.param", equalTo("generate"));
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
