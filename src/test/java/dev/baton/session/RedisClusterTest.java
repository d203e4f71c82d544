package dev.baton.session;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.support.RedisCluster;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Baton on a real Redis Cluster (three masters, {@code quarkus.redis.client-type=cluster}): tenants whose keys land on
 * different masters store chains that a cold replica (hot cache cleared) rebuilds from the cluster, delete them,
 * share a turns-per-minute bucket, keep conversations and run background responses — every script and command routed
 * to the master that owns the tenant's hash tag.
 */
@QuarkusTest
@TestProfile(RedisClusterTest.OnCluster.class)
class RedisClusterTest {

    private static final int TENANTS = 8;

    public static class OnCluster implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RedisCluster.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.api-keys", IntStream.range(0, TENANTS).mapToObj(i -> "sk-" + i + "=tenant" + i)
                            .collect(Collectors.joining(",")),
                    "baton.limits.turns-per-minute", "600");
        }
    }

    @Inject
    HotCache hot;

    private static RequestSpecification as(int tenant) {
        return given().header("Authorization", "Bearer sk-" + tenant).contentType(ContentType.JSON);
    }

    private static String turn(int tenant, String previous, String input) {
        Map<String, Object> body = new HashMap<>(Map.of("model", "baton-simulator", "input", input));
        if (previous != null) {
            body.put("previous_response_id", previous);
        }
        return as(tenant).body(body).when().post("/v1/responses").then().statusCode(200)
                .body("status", equalTo("completed")).extract().path("id");
    }

    @Test
    void chainsOfTenantsOnEveryMasterContinueColdAndDelete() {
        List<String> seconds = new ArrayList<>();
        List<String> firsts = new ArrayList<>();
        for (int t = 0; t < TENANTS; t++) {
            firsts.add(turn(t, null, "hello from tenant " + t));
            seconds.add(turn(t, firsts.get(t), "and again"));
        }
        assertTrue(RedisCluster.keysPerNode().stream().filter(count -> count > 0).count() >= 2,
                "the tenants' keys are spread over the masters: " + RedisCluster.keysPerNode());
        hot.clear(); // a cold replica: every parent comes from the cluster
        for (int t = 0; t < TENANTS; t++) {
            as(t).body(Map.of("model", "baton-simulator", "previous_response_id", seconds.get(t), "input", "cold"))
                    .when().post("/v1/responses").then().statusCode(200)
                    .body("output[0].content[0].text", startsWith("Simulated reply #3"));
            as(t).when().delete("/v1/responses/" + firsts.get(t)).then().statusCode(200);
            hot.clear();
            as(t).when().get("/v1/responses/" + firsts.get(t)).then().statusCode(404);
            as(t).when().get("/v1/responses/" + seconds.get(t)).then().statusCode(200);
        }
    }

    @Test
    void theEvictionChannelIsHeardThroughTheCluster() {
        // the replica's own heartbeats come back over the cluster's pub/sub: deletes reach every replica's hot cache
        await().atMost(Duration.ofSeconds(15)).until(() -> "subscribed".equals(given().when().get("/q/health/ready")
                .then().extract().path("checks.find { it.name == 'state-store' }.data.evictions")));
    }

    @Test
    void conversationsAndBackgroundResponsesRunOnTheCluster() {
        for (int t = 0; t < TENANTS; t += 3) {
            String conversation = as(t).body(Map.of("items", List.of(Map.of("type", "message", "role", "user",
                    "content", "I am tenant " + t)))).when().post("/v1/conversations").then().statusCode(200)
                    .extract().path("id");
            as(t).body(Map.of("model", "baton-simulator", "conversation", conversation, "input", "Who am I?"))
                    .when().post("/v1/responses").then().statusCode(200).body("status", equalTo("completed"));
            hot.clear();
            List<?> items = as(t).when().get("/v1/conversations/" + conversation + "/items").then().statusCode(200)
                    .extract().path("data");
            assertEquals(3, items.size(), "the conversation kept its turn");

            int tenant = t;
            String background = as(t).body(Map.of("model", "baton-simulator", "input", "work", "background", true))
                    .when().post("/v1/responses").then().statusCode(200).extract().path("id");
            await().atMost(Duration.ofSeconds(30)).until(() -> "completed".equals(as(tenant).when()
                    .get("/v1/responses/" + background).then().statusCode(200).extract().path("status")));
        }
    }
}
