package dev.baton.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code BATON_CONSOLE_KEYS} set to nothing (a secret that did not arrive) keeps the console closed: it never falls
 * back to open, although Baton has no API keys.
 */
@QuarkusTest
@TestProfile(ConsoleEmptyKeysTest.EmptyKeys.class)
class ConsoleEmptyKeysTest {

    public static class EmptyKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.console.keys", "");
        }
    }

    @Test
    void anEmptyKeySettingFailsClosed() {
        given().when().get("/console/api/overview").then().statusCode(401)
                .body("error.code", equalTo("invalid_api_key"));
        given().header("Authorization", "Bearer anything").when().get("/console/api/live").then().statusCode(401);
        given().when().get("/v1/models").then().statusCode(200); // the API stays open: it has no keys
    }
}
