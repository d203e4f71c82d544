package dev.baton.background;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.support.Sse;
import dev.baton.support.WithRedis;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Background responses with Redis: created and answered at once, polled to completion, cancelled (here and through
 * the record another replica would use), a cancel racing completion, a stream left and attached again with
 * {@code starting_after} (no gap, no duplicate), and a record whose owner stopped renewing its lease ending failed.
 */
@QuarkusTest
@TestProfile(BackgroundTest.SlowTurns.class)
class BackgroundTest {

    public static class SlowTurns extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            // ~60 tokens at 25 tokens/s: a turn runs for about two seconds
            return Map.of("baton.simulator.tokens-per-second", "25", "baton.simulator.reply-words", "50",
                    "baton.background.lease", "1s");
        }
    }

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Set<String> FINAL = Set.of("completed", "cancelled", "failed", "incomplete");

    @TestHTTPResource("/")
    URL root;

    @Inject
    RedisDataSource redis;

    private static Response createBackground(Map<String, Object> extra) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("model", "baton-simulator", "input", "work hard",
                "background", true));
        body.putAll(extra);
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/responses");
    }

    private static String status(String id) {
        return given().when().get("/v1/responses/" + id).then().statusCode(200).extract().path("status");
    }

    @Test
    void answersAtOnceAndCompletesDetachedFromTheRequest() {
        Response created = createBackground(Map.of());
        created.then().statusCode(200).body("status", equalTo("in_progress")).body("background", equalTo(true));
        String id = created.path("id");
        assertEquals("in_progress", status(id), "another request sees it running");
        await().atMost(DEADLINE).until(() -> status(id).equals("completed"));
        given().when().get("/v1/responses/" + id).then()
                .body("output[0].content[0].text", org.hamcrest.Matchers.startsWith("Simulated reply #1"));
        given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "previous_response_id", id,
                "input", "next")).when().post("/v1/responses").then().statusCode(200);
        given().when().post("/v1/responses/" + id + "/cancel").then().statusCode(400) // ended already, as OpenAI answers
                .body("error.message", equalTo("Cannot cancel a completed response."));
        assertEquals("completed", status(id), "the refused cancel changed nothing");
        assertEquals(0, redis.key().exists(WithRedis.backgroundKey("default", id)) ? 1 : 0,
                "a cancel of an ended response leaves no record behind");
    }

    @Test
    void aCancelHereOrFromAnotherReplicaEndsItCancelledAndNotContinuable() {
        String here = createBackground(Map.of()).path("id");
        given().when().post("/v1/responses/" + here + "/cancel").then().statusCode(200).body("status", equalTo("cancelled"));
        assertEquals("cancelled", status(here));
        await().atMost(DEADLINE).until(() -> redis.key().pttl(WithRedis.backgroundKey("default", here))
                > Duration.ofDays(29).toMillis()); // a cancelled response is kept as long as a stored one
        long eventsTtl = redis.key().pttl(WithRedis.backgroundKey("default", here).replace(":bg:", ":ev:"));
        assertTrue(eventsTtl > 0 && eventsTtl <= Duration.ofHours(1).toMillis(), "its events expire: " + eventsTtl);
        given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "previous_response_id", here,
                "input", "next")).when().post("/v1/responses").then().statusCode(400)
                .body("error.code", equalTo("previous_response_not_found"));

        // another replica asks through the record; the owner hears it with its next lease renewal
        String remote = createBackground(Map.of()).path("id");
        redis.hash(String.class).hset(WithRedis.backgroundKey("default", remote), "cancel", "1");
        await().atMost(DEADLINE).until(() -> status(remote).equals("cancelled"));
    }

    @Test
    void aCancelRacingCompletionEndsEitherWayAndEveryReplicaAgrees() {
        for (int i = 0; i < 8; i++) {
            String id = createBackground(Map.of("input", "race " + i, "max_output_tokens", 1 + i % 3)).path("id");
            Response answer = given().when().post("/v1/responses/" + id + "/cancel");
            await().atMost(DEADLINE).until(() -> FINAL.contains(status(id)));
            if (answer.statusCode() == 200) {
                assertEquals("cancelled", answer.path("status"), "race " + i);
                assertEquals("cancelled", status(id), "race " + i + ": every reader agrees");
            } else { // it ended first: the cancel is refused, as OpenAI refuses it, and changed nothing
                assertEquals(400, answer.statusCode(), answer.asString());
                assertEquals("Cannot cancel a" + (status(id).equals("incomplete") ? "n " : " ") + status(id)
                        + " response.", answer.path("error.message"), "race " + i);
            }
        }
    }

    @Test
    void aStreamLeftMidwayIsAttachedAgainWithNoGapAndNoDuplicate() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<java.io.InputStream> stream = client.send(HttpRequest.newBuilder(URI.create(root + "v1/responses"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"baton-simulator\",\"input\":\"stream it\",\"background\":true,\"stream\":true}"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        List<Sse.Event> first = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            StringBuilder block = new StringBuilder();
            for (String line = reader.readLine(); line != null && first.size() < 6; line = reader.readLine()) {
                block.append(line).append('\n');
                if (line.isEmpty()) {
                    first.addAll(Sse.parse(block.toString()));
                    block.setLength(0);
                }
            }
        } // the client leaves
        String id = first.get(0).data().at("/response/id").asText();
        int last = first.get(first.size() - 1).data().path("sequence_number").asInt();
        String rest = given().when().get("/v1/responses/" + id + "?stream=true&starting_after=" + last)
                .then().statusCode(200).extract().asString();
        List<Sse.Event> resumed = Sse.parse(rest);
        assertEquals(last + 1, resumed.get(0).data().path("sequence_number").asInt(), "no gap");
        for (int i = 1; i < resumed.size(); i++) {
            assertEquals(resumed.get(i - 1).data().path("sequence_number").asInt() + 1,
                    resumed.get(i).data().path("sequence_number").asInt(), "contiguous, no duplicate");
        }
        assertEquals("response.completed", resumed.get(resumed.size() - 1).type());
        assertEquals("completed", status(id));
    }

    @Test
    void aResponseCancelledMidwayKeepsWhatItHadWritten() throws Exception {
        HttpResponse<java.io.InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(root + "v1/responses")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"baton-simulator\",\"input\":\"write\",\"background\":true,\"stream\":true}"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        String id = null;
        StringBuilder seen = new StringBuilder();
        int deltas = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null && deltas < 3; line = reader.readLine()) {
                if (line.startsWith("data: ")) {
                    Sse.Event event = Sse.parse(line + "\n").get(0);
                    if (id == null) {
                        id = event.data().at("/response/id").asText();
                    }
                    if (event.type().equals("response.output_text.delta")) {
                        seen.append(event.data().path("delta").asText());
                        deltas++;
                    }
                }
            }
        }
        String running = given().when().get("/v1/responses/" + id).then().statusCode(200)
                .body("status", equalTo("in_progress")).extract().path("output[0].content[0].text");
        assertTrue(running.startsWith(seen.toString()), "a running response shows its output so far: " + running);

        Response cancelled = given().when().post("/v1/responses/" + id + "/cancel");
        cancelled.then().statusCode(200).body("status", equalTo("cancelled"))
                .body("output[0].type", equalTo("message")).body("output[0].status", equalTo("incomplete"));
        String kept = cancelled.path("output[0].content[0].text");
        assertTrue(kept.startsWith(running), "the cancelled response keeps what was written: " + kept);
        assertTrue(!kept.endsWith("]"), "it was cut before the end of the reply: " + kept);
        given().when().get("/v1/responses/" + id).then().statusCode(200).body("status", equalTo("cancelled"))
                .body("output[0].content[0].text", equalTo(kept));
    }

    @Test
    void aResponseWhoseOwnerStoppedRenewingItsLeaseEndsFailed() {
        String id = "resp_abandoned0000";
        String key = WithRedis.backgroundKey("default", id);
        redis.hash(String.class).hset(key, Map.of("response", "{\"id\":\"" + id + "\",\"object\":\"response\","
                + "\"status\":\"in_progress\",\"background\":true,\"output\":[]}", "lease", "1"));
        given().when().get("/v1/responses/" + id).then().statusCode(200).body("status", equalTo("failed"))
                .body("error.message", org.hamcrest.Matchers.containsString("lease"));
        assertEquals("failed", status(id), "and stays failed");
    }

    @Test
    void refusesAnUnstoredBackgroundResponse() {
        createBackground(Map.of("store", false)).then().statusCode(400).body("error.param", equalTo("background"));
    }
}
