package dev.baton.session;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.RedisServer;
import dev.baton.support.Requests;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URL;
import dev.baton.support.WithRedis;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The Redis tier against a real redis-server; "a cold replica" is this one with its hot cache cleared. */
@QuarkusTest
@TestProfile(RedisTierTest.TwoTenants.class)
class RedisTierTest {

    public static class TwoTenants extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.api-keys", "sk-alpha=alpha,sk-beta=beta", "baton.redis.checkpoint-every", "32",
                    "baton.store.ttl", "1h", "baton.redis.timeout", "500ms", "baton.redis.write-attempts", "2");
        }
    }

    @Inject
    HotCache hot;

    @TestHTTPResource("/")
    URL root;

    @Inject
    MeterRegistry metrics;

    @Inject
    RedisDataSource redis;

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
    }

    private static Response turn(String key, Map<String, Object> body) {
        Response response = as(key).body(body).when().post("/v1/responses");
        response.then().statusCode(200);
        return response;
    }

    private double loads() {
        return metrics.counter("baton_redis_commands_total", "op", "load").count();
    }

    private static String key(String tenant, String id) {
        return WithRedis.responseKey(tenant, id);
    }

    private record Chain(List<String> ids, List<Object> transcript) {
        String last() {
            return ids.get(ids.size() - 1);
        }
    }

    private static Chain chain(int depth) {
        Chain chain = new Chain(new ArrayList<>(), new ArrayList<>());
        String nonce = UUID.randomUUID().toString();
        for (int i = 1; i <= depth; i++) {
            Map<String, Object> user = Map.of("role", "user", "content", "turn " + i + " " + nonce);
            Map<String, Object> body = new HashMap<>(Map.of("model", "baton-simulator", "input", List.of(user)));
            if (!chain.ids.isEmpty()) {
                body.put("previous_response_id", chain.last());
            }
            Response response = turn("sk-alpha", body);
            chain.transcript.add(user);
            chain.transcript.add(response.jsonPath().getMap("output[0]"));
            chain.ids.add(response.jsonPath().getString("id"));
        }
        return chain;
    }

    @Test
    void aColdReplicaLoadsAChainOfAnyDepthInOneRoundTrip() {
        for (int depth : new int[] {10, 100, 1000}) {
            Chain chain = chain(depth);
            hot.clear();

            double before = loads();
            Map<String, Object> next = Map.of("role", "user", "content", "after a restart");
            Response continued = turn("sk-alpha", Map.of("model", "baton-simulator", "previous_response_id", chain.last(),
                    "input", List.of(next)));
            assertEquals(1.0, loads() - before, "Redis round trips to load a chain of depth " + depth);

            chain.transcript.add(next);
            Response full = turn("sk-alpha", Map.of("model", "baton-simulator", "input", chain.transcript, "store", false));
            assertEquals(full.header("x-baton-context-fingerprint"), continued.header("x-baton-context-fingerprint"),
                    "the context rebuilt from Redis equals a full resend at depth " + depth);
            assertTrue(continued.jsonPath().getString("output[0].content[0].text")
                    .startsWith("Simulated reply #" + (depth + 1)));
        }
    }

    @Test
    void textWithALoneSurrogateReadsBackFromRedisAsTheHotTierHasIt() {
        String parent = as("sk-alpha").body("{\"model\":\"baton-simulator\",\"input\":\"half a pair \\ud83d here\"}")
                .when().post("/v1/responses").then().statusCode(200).extract().path("id");
        Map<String, Object> next = Map.of("model", "baton-simulator", "previous_response_id", parent, "input", "next",
                "store", false);
        String hotFingerprint = turn("sk-alpha", next).header("x-baton-context-fingerprint");
        hot.clear();
        assertEquals(hotFingerprint, turn("sk-alpha", next).header("x-baton-context-fingerprint"),
                "the context rebuilt from Redis is the one the hot tier held");
    }

    @Test
    void aColdLoadRebuildsFromTheNearestAncestorThisReplicaHolds() {
        Chain chain = chain(12);
        TenantId alpha = new TenantId("alpha");
        for (String id : chain.ids.subList(8, 12)) {
            hot.remove(alpha, id); // the replica served turns 1-8; another replica served 9-12
        }
        double fromAncestor = metrics.counter("baton_redis_rebuilds_total", "from", "hot_ancestor").count();
        double fromCheckpoint = metrics.counter("baton_redis_rebuilds_total", "from", "checkpoint").count();
        Map<String, Object> next = Map.of("role", "user", "content", "back on the first replica");
        Response continued = turn("sk-alpha", Map.of("model", "baton-simulator", "previous_response_id", chain.last(),
                "input", List.of(next), "store", false));
        assertEquals(1.0, metrics.counter("baton_redis_rebuilds_total", "from", "hot_ancestor").count() - fromAncestor);
        assertEquals(0.0, metrics.counter("baton_redis_rebuilds_total", "from", "checkpoint").count() - fromCheckpoint);

        chain.transcript.add(next);
        Response full = turn("sk-alpha", Map.of("model", "baton-simulator", "input", chain.transcript, "store", false));
        assertEquals(full.header("x-baton-context-fingerprint"), continued.header("x-baton-context-fingerprint"),
                "the context rebuilt onto a held ancestor equals a full resend");
        hot.clear();
        turn("sk-alpha", Map.of("model", "baton-simulator", "previous_response_id", chain.last(), "input", "cold",
                "store", false));
        assertEquals(1.0, metrics.counter("baton_redis_rebuilds_total", "from", "checkpoint").count() - fromCheckpoint,
                "with nothing held, the rebuild starts from the chain's checkpoint or root");
    }

    @Test
    void everyThirtySecondTurnCarriesACheckpointAndEveryRecordATtl() {
        Chain chain = chain(70);
        int checkpoints = 0;
        for (int i = 0; i < chain.ids.size(); i++) {
            String key = key("alpha", chain.ids.get(i));
            int depth = Integer.parseInt(redis.hash(String.class).hget(key, "d"));
            assertEquals(i + 1, depth);
            boolean checkpoint = redis.hash(String.class).hexists(key, "c");
            assertEquals(depth % 32 == 0, checkpoint, "checkpoint at depth " + depth);
            checkpoints += checkpoint ? 1 : 0;
            long ttl = redis.key().pttl(key);
            assertTrue(ttl > Duration.ofMinutes(59).toMillis() && ttl <= Duration.ofHours(1).toMillis(), "TTL " + ttl);
        }
        assertEquals(2, checkpoints);
    }

    @Test
    void storedResponsesWithUnstoredAncestorsCarryTheirWholeContext() {
        // over WebSocket a connection chains through store=false turns; their stored children must load anywhere
        List<Object> transcript = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<Integer> unstored = List.of(1, 32, 33, 50);
        String nonce = UUID.randomUUID().toString();
        try (WsClient ws = WsClient.connect(root, Map.of("Authorization", "Bearer sk-alpha"))) {
            for (int turn = 1; turn <= 60; turn++) {
                Map<String, Object> user = Map.of("role", "user", "content", "turn " + turn + " " + nonce);
                Map<String, Object> create = new HashMap<>(Map.of("type", "response.create", "model", "baton-simulator",
                        "input", List.of(user), "store", !unstored.contains(turn)));
                if (!ids.isEmpty()) {
                    create.put("previous_response_id", ids.get(ids.size() - 1));
                }
                ws.send(create);
                List<JsonNode> frames = ws.untilTerminal();
                JsonNode response = frames.get(frames.size() - 1).path("response");
                assertEquals("completed", response.path("status").asText(), frames.get(frames.size() - 1).toString());
                transcript.add(user);
                transcript.add(Requests.asMap(response.at("/output/0")));
                ids.add(response.path("id").asText());
            }
        }
        for (int turn : List.of(2, 31, 34, 51, 60)) {
            hot.clear();
            String id = ids.get(turn - 1);
            Map<String, Object> next = Map.of("role", "user", "content", "cold after turn " + turn);
            Response continued = turn("sk-alpha", Map.of("model", "baton-simulator", "previous_response_id", id,
                    "input", List.of(next), "store", false));
            List<Object> full = new ArrayList<>(transcript.subList(0, 2 * turn));
            full.add(next);
            Response resend = turn("sk-alpha", Map.of("model", "baton-simulator", "input", full, "store", false));
            assertEquals(resend.header("x-baton-context-fingerprint"), continued.header("x-baton-context-fingerprint"),
                    "turn " + turn + " continued cold with its whole context");
        }
        for (int turn : unstored) {
            assertFalse(redis.key().exists(key("alpha", ids.get(turn - 1))), "store=false turn " + turn + " stays out of Redis");
        }
        for (int turn : List.of(2, 34, 51)) {
            assertTrue(redis.hash(String.class).hexists(key("alpha", ids.get(turn - 1)), "c"),
                    "turn " + turn + " follows an unstored parent and carries a checkpoint");
        }
        assertFalse(redis.hash(String.class).hexists(key("alpha", ids.get(34)), "c"), "turn 35 walks to turn 34");
    }

    @Test
    void aCorruptRecordIsAStorageErrorNotTheClients() {
        Chain chain = chain(3);
        double before = metrics.counter("baton_redis_corrupt_records_total").count();
        // a record whose output item lost its call_id
        String middle = key("alpha", chain.ids.get(1));
        String record = redis.hash(String.class).hget(middle, "r");
        redis.hash(String.class).hset(middle, "r", record.replace("\"type\":\"message\"", "\"type\":\"function_call\""));
        hot.clear();
        refusedAsCorrupt(chain.ids.get(1));
        // a checkpoint that is not JSON, met on the way from the newest record
        redis.hash(String.class).hset(key("alpha", chain.ids.get(0)), "c", "[{not json");
        hot.clear();
        refusedAsCorrupt(chain.last());
        assertEquals(2.0, metrics.counter("baton_redis_corrupt_records_total").count() - before);
        // the rest of Redis is untouched: another chain still continues cold
        String healthy = chain(2).last();
        hot.clear();
        turn("sk-alpha", Map.of("model", "baton-simulator", "input", "go on", "previous_response_id", healthy));
    }

    @Test
    void scriptsRunByTheirShaAndComeBackAfterRedisForgetsThem() {
        Chain chain = chain(3);
        redis.execute("SCRIPT", "FLUSH");
        hot.clear();
        double retries = metrics.counter("baton_redis_commands_total", "op", "load_noscript").count();
        turn("sk-alpha", Map.of("model", "baton-simulator", "previous_response_id", chain.last(), "input", "go on",
                "store", false));
        assertEquals(1.0, metrics.counter("baton_redis_commands_total", "op", "load_noscript").count() - retries,
                "the first load after a flush sends the script's source once");
        hot.clear();
        double loadsBefore = loads();
        turn("sk-alpha", Map.of("model", "baton-simulator", "previous_response_id", chain.last(), "input", "again",
                "store", false));
        assertEquals(1.0, loads() - loadsBefore);
        assertEquals(1.0, metrics.counter("baton_redis_commands_total", "op", "load_noscript").count() - retries,
                "then the script is cached again and runs by its SHA");
        String stats = redis.execute("INFO", "commandstats").toString();
        assertTrue(stats.contains("cmdstat_evalsha:"), "loads and saves run with EVALSHA");
    }

    private static void refusedAsCorrupt(String id) {
        as("sk-alpha").body(Map.of("model", "baton-simulator", "input", "go on", "previous_response_id", id))
                .when().post("/v1/responses").then().statusCode(500)
                .body("error.type", org.hamcrest.Matchers.equalTo("server_error"))
                .body("error.code", org.hamcrest.Matchers.equalTo("state_corrupt"))
                .body("error.param", org.hamcrest.Matchers.nullValue())
                .body("error.message", org.hamcrest.Matchers.containsString(id));
    }

    @Test
    void anotherTenantCannotReachAResponseInRedis() {
        String id = chain(2).last();
        hot.clear();
        as("sk-beta").when().get("/v1/responses/" + id).then().statusCode(404);
        as("sk-beta").body(Map.of("model", "baton-simulator", "input", "x", "previous_response_id", id))
                .when().post("/v1/responses").then().statusCode(400);
        as("sk-alpha").when().get("/v1/responses/" + id).then().statusCode(200);
    }

    @Test
    void aDeleteIsHeardByEveryReplicasHotCache() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().when().get("/q/health/ready").then()
                .body("checks.find { it.name == 'state-store' }.data.evictions", org.hamcrest.Matchers.equalTo("subscribed")));
        Chain chain = chain(2);
        String id = chain.ids.get(0);
        as("sk-alpha").when().get("/v1/responses/" + id).then().statusCode(200);
        // another replica deletes it: the tombstone in Redis plus its eviction message
        redis.hash(String.class).hset(key("alpha", id), "x", "1");
        redis.pubsub(String.class).publish("baton:evictions", "alpha\n" + id);
        await().atMost(Duration.ofSeconds(10)).until(() -> hot.get(new TenantId("alpha"), id) == null);
        as("sk-alpha").when().get("/v1/responses/" + id).then().statusCode(404);
        // its child keeps its own context and stays continuable
        turn("sk-alpha", Map.of("model", "baton-simulator", "input", "go on", "previous_response_id", chain.ids.get(1)));
    }

    @Test
    void aLateHeartbeatRenewsTheSubscriptionWithoutLeakingConnections() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().when().get("/q/health/ready").then()
                .body("checks.find { it.name == 'state-store' }.data.evictions", org.hamcrest.Matchers.equalTo("subscribed")));
        RedisServer server = RedisServer.current();
        List<String> before = pubSubClientIds(server);
        assertEquals(1, before.size(), "one subscription: " + before);
        // every command waits 16 s, the connections stay up: the heartbeat comes back late, the subscription renews,
        // and its first attempt goes unanswered long enough to be superseded (let go once it answers)
        assertEquals("+OK", server.command("CLIENT PAUSE 16000 ALL"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<String> after = pubSubClientIds(server);
            assertEquals(1, after.size(), "the old subscription and the superseded attempt let their connections go: "
                    + after);
            assertFalse(before.equals(after), "renewed on a new connection");
        });
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().when().get("/q/health/ready").then()
                .body("checks.find { it.name == 'state-store' }.data.evictions", org.hamcrest.Matchers.equalTo("subscribed")));
    }

    private static List<String> pubSubClientIds(RedisServer server) {
        String clients = server.bulk("CLIENT LIST TYPE pubsub");
        return clients == null ? List.of() : clients.lines().map(line -> line.substring(0, line.indexOf(' '))).toList();
    }

    @Test
    void keepsServingFromTheHotTierWhileRedisIsDownAndRecovers() {
        Chain chain = chain(3);
        String coldId = chain(2).last();
        hot.remove(new TenantId("alpha"), coldId);
        RedisServer server = RedisServer.current();
        server.kill();
        try {
            // hot state still serves reads and continuations
            as("sk-alpha").when().get("/v1/responses/" + chain.last()).then().statusCode(200);
            Response continued = turn("sk-alpha", Map.of("model", "baton-simulator", "input", "during the outage",
                    "previous_response_id", chain.last()));
            assertEquals("completed", continued.jsonPath().getString("status"));
            // state only Redis holds: a clear, documented error, quickly
            as("sk-alpha").body(Map.of("model", "baton-simulator", "input", "x", "previous_response_id", coldId))
                    .when().post("/v1/responses").then().statusCode(503)
                    .body("error.code", org.hamcrest.Matchers.equalTo("state_unavailable"));
            given().when().get("/q/health/ready").then().statusCode(200)
                    .body("checks.find { it.name == 'state-store' }.data.state", org.hamcrest.Matchers.equalTo("degraded"));
        } finally {
            server.launch();
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().when().get("/q/health/ready").then()
                .body("checks.find { it.name == 'state-store' }.data.redis", org.hamcrest.Matchers.equalTo("up"))
                .body("checks.find { it.name == 'state-store' }.data.evictions", org.hamcrest.Matchers.equalTo("subscribed")));
        Chain after = chain(2);
        hot.clear();
        turn("sk-alpha", Map.of("model", "baton-simulator", "input", "recovered", "previous_response_id", after.last()));
    }
}
