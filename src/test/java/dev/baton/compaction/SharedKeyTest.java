package dev.baton.compaction;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.RedisServer;
import dev.baton.support.Requests;
import dev.baton.support.WithRedis;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With Redis and without {@code BATON_COMPACTION_KEYS}, compaction items are sealed under the key the replicas share
 * through Redis: none is made up while Redis cannot be reached (compaction is refused, 503), it is created once and kept
 * without a TTL, a Redis that lost it gets the same key back, and a key replaced in Redis is adopted (the one it
 * replaces still opens what it sealed).
 */
@QuarkusTest
@TestProfile(SharedKeyTest.RedisDownAtStart.class)
class SharedKeyTest {

    private static final String KEY = "baton:compaction:key";

    /** A Redis that is not running when Baton starts (started by the test). */
    public static class StartsDown extends RedisServer {
        @Override
        public Map<String, String> start() {
            Map<String, String> config = super.start();
            kill();
            return config;
        }
    }

    public static class RedisDownAtStart extends WithRedis {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(StartsDown.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.compaction.shared-key-refresh", "1s");
        }
    }

    private static Response post(String path, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).when().post(path);
    }

    private static Response compact(String text) {
        return post("/v1/responses/compact", Map.of("model", "baton-simulator", "input", text));
    }

    private static Response continueWith(JsonNode compactionItem) {
        return post("/v1/responses", Map.of("model", "baton-simulator", "store", false, "input", List.of(
                Requests.asMap(compactionItem), Map.of("role", "user", "content", "go on"))));
    }

    @Test
    void sealsOnlyUnderTheKeyTheReplicasShareThroughRedis() {
        RedisServer redis = RedisServer.current();

        // Redis is down: a key of this process alone would seal items no other replica opens, so compaction waits
        compact("Remember the port 8080").then().statusCode(503).body("error.type", equalTo("server_error"))
                .body("error.code", equalTo("compaction_key_unavailable"));
        post("/v1/responses", Map.of("model", "baton-simulator", "store", false, "input", List.of(
                Map.of("role", "user", "content", "Remember the port 8080"), Map.of("type", "compaction_trigger"))))
                .then().statusCode(503).body("error.code", equalTo("compaction_key_unavailable"));
        post("/v1/responses", Map.of("model", "baton-simulator", "store", false, "input", "an ordinary turn"))
                .then().statusCode(200).body("status", equalTo("completed"));

        redis.launch();
        await().atMost(Duration.ofSeconds(15)).until(() -> compact("Remember the port 8080").statusCode() == 200);
        String entry = redis.get(KEY);
        assertNotNull(entry, "the replica created the shared key");
        String keyId = entry.substring(0, entry.indexOf(':'));
        assertTrue(keyId.matches("shared-[0-9a-f]{12}"), keyId);
        assertEquals(":-1", redis.command("TTL " + KEY), "no TTL: the key must outlive every response sealed under it");
        JsonNode item = Requests.asTree(compact("Remember the port 8080").asString()).path("output").get(1);
        assertTrue(item.path("encrypted_content").asText().startsWith("baton1." + keyId + "."), item.toString());

        // Redis loses it (flushed, or an empty one in its place): the replica puts the same key back, items still open
        redis.command("FLUSHALL");
        await().atMost(Duration.ofSeconds(15)).until(() -> entry.equals(redis.get(KEY)));
        continueWith(item).then().statusCode(200).body("status", equalTo("completed"));

        // a key another replica made while Redis was empty is adopted: new items are sealed under it, and the key it
        // replaces still opens the items sealed before (a replica keeps the newest shared keys it has known)
        String other = CompactionSeal.newKey("shared");
        assertEquals("+OK", redis.command("SET " + KEY + " " + other));
        String otherId = other.substring(0, other.indexOf(':'));
        await().atMost(Duration.ofSeconds(15)).until(() -> Requests.asTree(compact("x").asString())
                .at("/output/1/encrypted_content").asText().startsWith("baton1." + otherId + "."));
        continueWith(item).then().statusCode(200).body("status", equalTo("completed"));
    }
}
