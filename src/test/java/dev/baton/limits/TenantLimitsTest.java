package dev.baton.limits;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import dev.baton.protocol.ApiException;
import dev.baton.session.TenantDirectory;
import dev.baton.session.TenantId;
import dev.baton.session.TieredChainStore;
import dev.baton.support.WithRedis;
import dev.baton.support.WsClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tenants from a keys file with limits of their own, enforced before a turn runs: turns running at once, turns per
 * minute through a bucket in Redis that every replica shares, each answered 429 {@code rate_limit_exceeded} with
 * {@code Retry-After} (an {@code error} event over WebSocket, the socket staying open); the file re-read while running.
 */
@QuarkusTest
@TestProfile(TenantLimitsTest.KeysFileWithLimits.class)
class TenantLimitsTest {

    static final Path KEYS_FILE;

    static {
        try {
            KEYS_FILE = Files.createTempFile("baton-keys", ".yaml");
            KEYS_FILE.toFile().deleteOnExit();
            Files.writeString(KEYS_FILE, keysFile(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** alpha runs one turn at a time, beta starts three per minute, gamma has the defaults; {@code extra} adds tenants. */
    static String keysFile(String extra) {
        return """
                tenants:
                  alpha:
                    keys: [%s]
                    limits: {max_in_flight_turns: 1}
                  beta:
                    keys: [%s]
                    limits: {turns_per_minute: 3}
                  gamma:
                    keys: [%s]
                %s""".formatted(hashed("sk-alpha"), hashed("sk-beta"), hashed("sk-gamma"), extra);
    }

    static String hashed(String key) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static class KeysFileWithLimits extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.api-keys-file", KEYS_FILE.toString(), "baton.api-keys-file-reload", "100ms",
                    // turns long enough (~1 s) that a second one arrives while the first runs
                    "baton.simulator.tokens-per-second", "25");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Inject
    TenantDirectory tenants;

    @Inject
    TieredChainStore store;

    @Inject
    MeterRegistry metrics;

    @Inject
    RedisDataSource redis;

    private static Response create(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "hi")).when().post("/v1/responses");
    }

    private WsClient socket(String key) {
        return WsClient.connect(root, Map.of("Authorization", "Bearer " + key));
    }

    private static Map<String, Object> wsCreate() {
        return Map.of("type", "response.create", "model", "baton-simulator", "input", "hi");
    }

    private static void assertRateLimited(Response response, String limitName) {
        assertEquals(429, response.statusCode(), response.asString());
        assertEquals("rate_limit_exceeded", response.path("error.code"));
        assertEquals("requests", response.path("error.type"));
        assertTrue(response.<String>path("error.message").contains(limitName), response.asString());
        assertTrue(Integer.parseInt(response.header("retry-after")) >= 1, "Retry-After: " + response.header("retry-after"));
    }

    @Test
    void aTenantBeyondItsTurnsPerMinuteIsRefusedOnEveryReplicaAndOthersAreNot() {
        for (int i = 0; i < 3; i++) {
            create("sk-beta").then().statusCode(200);
        }
        Response refused = create("sk-beta");
        assertRateLimited(refused, "BATON_LIMITS_TURNS_PER_MINUTE");
        assertTrue(Integer.parseInt(refused.header("retry-after")) <= 20, "a third of a minute at most for one turn");
        create("sk-gamma").then().statusCode(200);

        try (WsClient ws = socket("sk-beta")) {
            ws.send(wsCreate());
            JsonNode error = ws.next();
            assertEquals("error", error.path("type").asText(), error.toString());
            assertEquals(429, error.path("status").asInt());
            assertEquals("rate_limit_exceeded", error.at("/error/code").asText());
            ws.send("{\"type\":\"response.cancel\"}"); // the socket still answers
            assertEquals("error", ws.next().path("type").asText());
            assertTrue(!ws.isClosed());
        }

        // the bucket lives in Redis: another replica's admission sees it spent
        assertTrue(redis.key().exists("baton:{" + HexFormat.of().formatHex("beta".getBytes(StandardCharsets.UTF_8))
                + "}:turns"));
        TurnAdmission otherReplica = new TurnAdmission(tenants, store.redis(), new SimpleMeterRegistry());
        Throwable failure = otherReplica.admit(new TenantId("beta")).onItem().transform(ticket -> (Throwable) null)
                .onFailure().recoverWithItem(f -> f).await().atMost(Duration.ofSeconds(5));
        assertNotNull(failure, "the other replica admitted a turn beyond the shared bucket");
        assertEquals(429, ((ApiException) failure).error().status());
        assertTrue(metrics.counter("baton_turns_refused_total", "reason", "turns_per_minute", "tenant", "beta").count() >= 2);
    }

    @Test
    void aTenantAtItsInFlightTurnsIsRefusedUntilOneFinishes() {
        try (WsClient ws = socket("sk-alpha")) {
            ws.send(wsCreate());
            assertEquals("response.created", ws.next().path("type").asText());
            assertRateLimited(create("sk-alpha"), "BATON_LIMITS_MAX_IN_FLIGHT_TURNS");
            create("sk-gamma").then().statusCode(200); // another tenant is not held back
            var frames = ws.untilTerminal();
            JsonNode last = frames.get(frames.size() - 1);
            assertEquals("response.completed", last.path("type").asText());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> create("sk-alpha").statusCode() == 200);
        assertTrue(metrics.counter("baton_turns_refused_total", "reason", "in_flight", "tenant", "alpha").count() >= 1);
    }

    @Test
    void theKeysFileIsReloadedWhileRunningAndAnInvalidOneLeavesTheLastInForce() throws IOException {
        create("sk-delta").then().statusCode(401);
        Files.writeString(KEYS_FILE, keysFile("  delta:\n    keys: [" + hashed("sk-delta") + "]\n"));
        await().atMost(Duration.ofSeconds(10)).until(() -> create("sk-delta").statusCode() == 200);

        double failed = metrics.counter("baton_api_keys_reloads_total", "outcome", "failed").count();
        Files.writeString(KEYS_FILE, "tenants:\n  delta:\n    keys: [not-a-hash]\n");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metrics.counter("baton_api_keys_reloads_total", "outcome", "failed").count() > failed);
        create("sk-delta").then().statusCode(200);
        create("sk-gamma").then().statusCode(200);

        Files.writeString(KEYS_FILE, keysFile(""));
        await().atMost(Duration.ofSeconds(10)).until(() -> create("sk-delta").statusCode() == 401);
    }

    @Test
    void aReloadThatLeavesNoKeyIsRefusedAndTheGatewayStaysClosed() throws IOException {
        double failed = metrics.counter("baton_api_keys_reloads_total", "outcome", "failed").count();
        try {
            Files.writeString(KEYS_FILE, "tenants: {}\n");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> metrics.counter("baton_api_keys_reloads_total", "outcome", "failed").count() > failed);
            given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "hi"))
                    .when().post("/v1/responses").then().statusCode(401);
            create("sk-gamma").then().statusCode(200);
        } finally {
            Files.writeString(KEYS_FILE, keysFile(""));
        }
    }

    @Test
    void aKeyRemovedFromTheFileEndsItsOpenSockets() throws IOException {
        Files.writeString(KEYS_FILE, keysFile("  epsilon:\n    keys: [" + hashed("sk-epsilon") + "]\n"));
        await().atMost(Duration.ofSeconds(10)).until(() -> create("sk-epsilon").statusCode() == 200);
        try (WsClient revoked = socket("sk-epsilon"); WsClient kept = socket("sk-gamma")) {
            revoked.send(wsCreate());
            List<JsonNode> first = revoked.untilTerminal();
            assertEquals("response.completed", first.get(first.size() - 1).path("type").asText());
            Files.writeString(KEYS_FILE, keysFile(""));
            assertEquals(1008, revoked.awaitClose(), "the revoked key's socket closes with a policy violation");
            kept.send(wsCreate());
            List<JsonNode> other = kept.untilTerminal();
            assertEquals("response.completed", other.get(other.size() - 1).path("type").asText(),
                    "another tenant's socket stays open");
        }
        create("sk-epsilon").then().statusCode(401);
    }
}
