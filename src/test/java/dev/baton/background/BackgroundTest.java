package dev.baton.background;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.support.Sse;
import dev.baton.support.Metrics;
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
    void anOwnerWhoseResponseAnotherReplicaEndedStopsAndChangesNothing() {
        double lostBefore = metric("baton_background_leases_lost_total");
        String id = createBackground(Map.of()).then().statusCode(200).extract().path("id");
        String key = WithRedis.backgroundKey("default", id);
        // what another replica writes when it found the owner's lease run out
        String endedThere = "{\"id\":\"" + id + "\",\"object\":\"response\",\"status\":\"failed\",\"background\":true,"
                + "\"output\":[],\"error\":{\"code\":\"server_error\",\"message\":\"ended elsewhere\"}}";
        redis.hash(String.class).hset(key, Map.of("response", endedThere, "final", "1"));
        // its next renewal tells the owner: it stops, and neither stores, deletes nor rewrites the recorded end
        await().atMost(DEADLINE).until(() -> metric("baton_background_leases_lost_total") > lostBefore
                && metric("baton_background_running") == 0);
        given().when().get("/v1/responses/" + id).then().statusCode(200).body("status", equalTo("failed"))
                .body("error.message", equalTo("ended elsewhere"));
        assertEquals(endedThere, redis.hash(String.class).hget(key, "response"), "the recorded end is untouched");
        given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "previous_response_id", id,
                "input", "go on")).when().post("/v1/responses").then().statusCode(400);
    }

    @Test
    void anEndedResponsesStreamTakesNoMoreEvents() throws Exception {
        // an owner that lost its lease may still append before its renewal tells it: the script refuses
        String source;
        try (var in = getClass().getClassLoader().getResourceAsStream("redis/events_append.lua")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String record = WithRedis.backgroundKey("default", "resp_ended_" + System.nanoTime());
        String stream = record.replace(":bg:", ":ev:");
        redis.hash(String.class).hset(record, Map.of("response", "{}", "final", "1"));
        redis.key().pexpire(record, 60_000);
        assertEquals(0, redis.execute("EVAL", source, "2", stream, record, "[]", "100", "60000").toInteger());
        assertEquals(0, redis.key().exists(stream) ? 1 : 0, "nothing appended to an ended response's stream");
        redis.hash(String.class).hset(record, Map.of("final", "0"));
        assertEquals(1, redis.execute("EVAL", source, "2", stream, record, "[]", "100", "60000").toInteger());
        assertEquals(1, redis.execute("XLEN", stream).toInteger(), "a running response's stream takes its events");
        assertTrue(redis.key().pttl(stream) > 0, "with its TTL");
        redis.key().del(record, stream);
    }

    private static double metric(String name) {
        return Metrics.value(given().when().get("/q/metrics").then().statusCode(200).extract().asString(), name);
    }

    @Test
    void refusesAnUnstoredBackgroundResponse() {
        createBackground(Map.of("store", false)).then().statusCode(400).body("error.param", equalTo("background"));
    }

    @Test
    void everyKeyBatonLeavesInRedisCarriesATtl() {
        // background responses that complete and that are cancelled, their streams, a chain, a conversation
        // with a turn, its metadata replaced and another conversation deleted
        String completes = createBackground(Map.of()).then().statusCode(200).extract().path("id");
        String cancelled = createBackground(Map.of()).then().statusCode(200).extract().path("id");
        given().when().post("/v1/responses/" + cancelled + "/cancel").then().statusCode(200);
        await().atMost(DEADLINE).until(() -> status(completes).equals("completed"));
        given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "next",
                "previous_response_id", completes)).when().post("/v1/responses").then().statusCode(200);
        String conversation = given().contentType(ContentType.JSON).body(Map.of("metadata", Map.of("k", "v")))
                .when().post("/v1/conversations").then().statusCode(200).extract().path("id");
        given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "hi",
                "conversation", conversation)).when().post("/v1/responses").then().statusCode(200);
        given().contentType(ContentType.JSON).body(Map.of("metadata", Map.of("k", "w")))
                .when().post("/v1/conversations/" + conversation).then().statusCode(200);
        String deleted = given().contentType(ContentType.JSON).body(Map.of())
                .when().post("/v1/conversations").then().statusCode(200).extract().path("id");
        given().when().delete("/v1/conversations/" + deleted).then().statusCode(200);

        List<String> keys = new ArrayList<>();
        redis.key().scan().toIterable().forEach(keys::add);
        assertTrue(keys.size() > 5, "the run left keys to check: " + keys);
        List<String> withoutTtl = keys.stream().filter(key -> !key.equals("baton:compaction:key"))
                .filter(key -> redis.key().pttl(key) == -1).toList(); // -2: gone meanwhile
        assertEquals(List.of(), withoutTtl, "only keys docs/operations.md names as permanent may lack a TTL");
    }

    /**
     * A client following a response that runs on another replica (a record and a stream in Redis, written here as
     * that replica would): a long silence while the owner renews its lease ends nothing; the stream ends with the
     * run's terminal event, or with {@code response.failed} once the owner's lease ran out.
     */
    @Test
    void aFollowerOnAnotherReplicaEndsOnlyWithTheRunsEnd() {
        String slow = "resp_remoteslow000";
        remoteRun(slow, System.currentTimeMillis() + 120_000);
        var followed = HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(
                URI.create(root + "v1/responses/" + slow + "?stream=true&starting_after=0")).build(),
                HttpResponse.BodyHandlers.ofString());
        // three leases of silence (the slow first token of a live owner): the stream stays open
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !followed.isDone());
        redis.stream(String.class).xadd(WithRedis.backgroundKey("default", slow).replace(":bg:", ":ev:"),
                Map.of("events", "[{\"type\":\"response.completed\",\"sequence_number\":1,\"response\":{\"id\":\""
                        + slow + "\",\"object\":\"response\",\"status\":\"completed\",\"output\":[]}}]"));
        List<Sse.Event> events = Sse.parse(followed.orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join().body());
        assertEquals("response.completed", events.get(events.size() - 1).type(), events.toString());

        String abandoned = "resp_remotegone000";
        remoteRun(abandoned, 1); // its owner died long ago
        String body = given().when().get("/v1/responses/" + abandoned + "?stream=true&starting_after=0").then()
                .statusCode(200).extract().asString();
        List<Sse.Event> ended = Sse.parse(body);
        Sse.Event last = ended.get(ended.size() - 1);
        assertEquals("response.failed", last.type(), body);
        assertEquals(1, last.data().get("sequence_number").asInt(), "numbered after the events relayed");
        assertEquals("failed", status(abandoned));
    }

    /** A background response another replica runs: its record (lease until {@code leaseUntil}) and its first event. */
    private void remoteRun(String id, long leaseUntil) {
        String response = "{\"id\":\"" + id + "\",\"object\":\"response\",\"status\":\"in_progress\","
                + "\"background\":true,\"output\":[]}";
        String key = WithRedis.backgroundKey("default", id);
        redis.hash(String.class).hset(key, Map.of("response", response, "lease", Long.toString(leaseUntil)));
        redis.key().pexpire(key, 600_000);
        String events = key.replace(":bg:", ":ev:");
        redis.stream(String.class).xadd(events, Map.of("events", "[{\"type\":\"response.created\","
                + "\"sequence_number\":0,\"response\":" + response + "}]"));
        redis.key().pexpire(events, 600_000);
    }
}
