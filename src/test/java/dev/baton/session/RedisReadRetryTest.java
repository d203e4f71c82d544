package dev.baton.session;

import static io.restassured.RestAssured.given;

import dev.baton.support.RedisServer;
import dev.baton.support.WithRedis;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.Map;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/**
 * A read meets a connection Redis dropped (a restart, a fail-over, a proxy's idle timeout): it is sent once more on a
 * fresh one instead of failing the turn with {@code state_unavailable}. (Default deadline: the shared WithRedis app.)
 */
@QuarkusTest
@TestProfile(WithRedis.class)
class RedisReadRetryTest {

    @Inject
    HotCache hot;

    @Test
    void aColdLoadSurvivesRedisDroppingItsConnections() { // whether a read meets a dropped connection is a race: 20 rounds
        String id = given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "remember me"))
                .when().post("/v1/responses").then().statusCode(200).extract().path("id");
        for (int round = 0; round < 20; round++) {
            hot.clear();
            org.junit.jupiter.api.Assertions.assertTrue(
                    RedisServer.current().command("CLIENT KILL TYPE normal").startsWith(":"), "CLIENT KILL answered");
            given().when().get("/v1/responses/" + id).then().statusCode(200).body("id", Matchers.equalTo(id));
        }
    }
}
