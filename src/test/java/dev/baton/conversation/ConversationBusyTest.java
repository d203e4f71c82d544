package dev.baton.conversation;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.quarkus.test.common.http.TestHTTPResource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A turn that waits longer than {@code BATON_CONVERSATIONS_TURN_WAIT} for the one before it is refused with 409
 * {@code conversation_busy}; the turn behind it still waits for the running one, never overtaking it.
 */
@QuarkusTest
@TestProfile(ConversationBusyTest.ShortWait.class)
class ConversationBusyTest {

    public static class ShortWait implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // ~120 tokens at 20 tokens/s: each turn runs about six seconds; a turn waits at most one
            return Map.of("baton.conversations.turn-wait", "1s", "baton.simulator.tokens-per-second", "20",
                    "baton.simulator.reply-words", "100");
        }
    }

    @TestHTTPResource("/")
    URL root;

    private static CompletableFuture<Response> turn(String conversation, String input) {
        return CompletableFuture.supplyAsync(() -> given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "conversation", conversation, "input", input))
                .when().post("/v1/responses"));
    }

    @Test
    void aTurnThatWaitsTooLongIsRefusedAndTheNextStillWaitsItsTurn() throws Exception {
        String id = given().contentType(ContentType.JSON).body(Map.of()).when().post("/v1/conversations")
                .then().statusCode(200).extract().path("id");
        HttpResponse<java.io.InputStream> first = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(root + "v1/responses")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"baton-simulator\",\"stream\":true,"
                        + "\"conversation\":\"" + id + "\",\"input\":\"first\"}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader events = new BufferedReader(new InputStreamReader(first.body(), StandardCharsets.UTF_8))) {
            assertEquals("event: response.created", events.readLine(), "the first turn runs and holds the conversation");
            Response refused = turn(id, "second").join();
            refused.then().statusCode(409).body("error.code", equalTo("conversation_busy"));
            // the refused turn kept its place: the next one queues behind the running one too, never beside it
            turn(id, "also too early").join().then().statusCode(409);
            String last = null;
            for (String line = events.readLine(); line != null; line = events.readLine()) {
                last = line.startsWith("event: ") ? line : last;
            }
            assertEquals("event: response.completed", last);
        }
        Response after = turn(id, "third").join();
        after.then().statusCode(200);
        assertTrue(after.<String>path("output[0].content[0].text").startsWith("Simulated reply #2"),
                "the third turn came after the first, with its answer in the context");
        List<String> texts = given().when().get("/v1/conversations/" + id + "/items?order=asc").then().statusCode(200)
                .extract().path("data.collect { it.content[0].text }");
        assertEquals("first", texts.get(0));
        assertEquals("third", texts.get(2));
        assertEquals(4, texts.size(), "the refused turn added nothing: " + texts);
    }
}
