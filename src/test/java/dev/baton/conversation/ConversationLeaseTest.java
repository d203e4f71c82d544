package dev.baton.conversation;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.Metrics;
import dev.baton.support.RedisServer;
import dev.baton.support.Requests;
import dev.baton.support.WithRedis;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A conversation turn that loses its lease in Redis (its replica stalled past it, or another took it) stops with 409
 * {@code conversation_busy} and moves nothing: it is never reported completed.
 */
@QuarkusTest
@TestProfile(ConversationLeaseTest.ShortLease.class)
class ConversationLeaseTest {

    public static class ShortLease extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            // ~120 tokens at 25 tokens/s: a turn runs about five seconds; its lease is renewed every ~330 ms
            return Map.of("baton.conversations.turn-lease", "1s", "baton.simulator.tokens-per-second", "25",
                    "baton.simulator.reply-words", "100");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Inject
    RedisDataSource redis;

    /** A streamed turn on conversation {@code id}, long enough to be interrupted. */
    static HttpResponse<InputStream> streamTurn(URL root, String id) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(root + "v1/responses")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"baton-simulator\",\"stream\":true,"
                        + "\"conversation\":\"" + id + "\",\"input\":\"a long answer please\"}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Reads the rest of an SSE stream: each event's name into {@code events}; returns the error event's data. */
    static JsonNode readEvents(BufferedReader lines, List<String> events) throws IOException {
        JsonNode error = null;
        String event = null;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.startsWith("event: ")) {
                event = line.substring(7);
                events.add(event);
            } else if (line.startsWith("data: ") && "error".equals(event)) {
                error = Requests.asTree(line.substring(6));
            }
        }
        return error;
    }

    @Test
    void aTurnWhoseLeaseIsTakenStopsWithConversationBusyAndMovesNothing() throws Exception {
        String id = given().contentType(ContentType.JSON).body(Map.of()).when().post("/v1/conversations")
                .then().statusCode(200).extract().path("id");
        double lostBefore = lost();
        HttpResponse<InputStream> turn = streamTurn(root, id);
        List<String> events = new ArrayList<>();
        JsonNode error = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(turn.body(), StandardCharsets.UTF_8))) {
            assertEquals("event: response.created", lines.readLine());
            // another turn (a replica that took over) holds the conversation now
            redis.value(String.class).set(WithRedis.conversationKey("default", id) + ":lease", "another-turn",
                    new SetArgs().px(60_000));
            error = readEvents(lines, events);
        }
        assertTrue(!events.contains("response.completed"), "a turn that lost its lease is not completed: " + events);
        assertEquals("error", events.get(events.size() - 1), "it ends with an error: " + events);
        assertEquals("conversation_busy", error.path("code").asText(), error.toString());
        assertTrue(lost() > lostBefore, "counted in baton_conversation_leases_lost_total");
        assertEquals(0, given().when().get("/v1/conversations/" + id + "/items").then().statusCode(200)
                .extract().<List<?>>path("data").size(), "the conversation did not move");

        // once the other turn lets go, the conversation takes turns again
        redis.key().del(WithRedis.conversationKey("default", id) + ":lease");
        given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "conversation", id,
                        "input", "again", "max_output_tokens", 16)).when().post("/v1/responses")
                .then().statusCode(200);
        assertEquals(2, given().when().get("/v1/conversations/" + id + "/items").then().statusCode(200)
                .extract().<List<?>>path("data").size());
    }

    @Test
    void aTurnThatCannotRenewItsLeaseForAWholeLeaseStops() throws Exception {
        String id = given().contentType(ContentType.JSON).body(Map.of()).when().post("/v1/conversations")
                .then().statusCode(200).extract().path("id");
        HttpResponse<InputStream> turn = streamTurn(root, id);
        List<String> events = new ArrayList<>();
        JsonNode error = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(turn.body(), StandardCharsets.UTF_8))) {
            assertEquals("event: response.created", lines.readLine());
            // Redis stops answering (frozen, or cut off): the lease may expire there and another replica take it
            signal("STOP", RedisServer.current().pid());
            try {
                error = readEvents(lines, events);
            } finally {
                signal("CONT", RedisServer.current().pid());
            }
        }
        assertTrue(!events.contains("response.completed"), "a turn that lost its lease is not completed: " + events);
        assertEquals("conversation_busy", error.path("code").asText(), error.toString());
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + name + " " + pid);
    }

    private static double lost() {
        return Metrics.value(given().when().get("/q/metrics").then().statusCode(200).extract().asString(),
                "baton_conversation_leases_lost_total");
    }
}
