package dev.baton.session;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.support.WithRedis;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code BATON_REDIS_DURABILITY=async}: the response completes first, its record reaches Redis right after. */
@QuarkusTest
@TestProfile(RedisAsyncDurabilityTest.Async.class)
class RedisAsyncDurabilityTest {

    public static class Async extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.redis.durability", "async");
        }
    }

    @Inject
    HotCache hot;

    @Inject
    RedisDataSource redis;

    @Test
    void writesBehindTheResponseAndAColdReplicaStillContinues() {
        String id = given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "async"))
                .when().post("/v1/responses").then().statusCode(200).extract().jsonPath().getString("id");
        String key = WithRedis.responseKey("default", id);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.key().exists(key));
        hot.clear();
        String text = given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "go on", "previous_response_id", id))
                .when().post("/v1/responses").then().statusCode(200)
                .extract().jsonPath().getString("output[0].content[0].text");
        assertTrue(text.startsWith("Simulated reply #2"), text);
    }
}
