package dev.baton.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code BATON_CONSOLE_ENABLED=false}: no landing page, no console, no socket tickets — every path an unknown URL. */
@QuarkusTest
@TestProfile(ConsoleDisabledTest.Off.class)
class ConsoleDisabledTest {

    public static class Off implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.console.enabled", "false");
        }
    }

    @Test
    void everyConsolePathAnswersAsAnUnknownUrl() {
        for (String path : List.of("/", "/console", "/console/live", "/console/assets/console.js",
                "/console/api/overview", "/console/api/live", "/console/api/live/stream")) {
            given().when().get(path).then().statusCode(404)
                    .body("error.message", startsWith("Invalid URL (GET " + path + ")"))
                    .body("error.type", equalTo("invalid_request_error"));
        }
        given().when().post("/console/api/socket-tickets").then().statusCode(404);
        given().when().get("/v1/models").then().statusCode(200); // the API itself is there
    }
}
