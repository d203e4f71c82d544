package dev.baton.support;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.http.ContentType;
import java.util.Map;

/**
 * A chain made before a test hammers the gateway and continued after it: the same fingerprint afterwards means no
 * input of the test corrupted stored state, and the liveness check that the process is healthy.
 */
public final class ControlChain {

    private final String parent;
    private final String fingerprint;

    private ControlChain(String parent) {
        this.parent = parent;
        this.fingerprint = continued();
    }

    /** Two turns, stored like any chain. */
    public static ControlChain start() {
        String first = given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "control"))
                .when().post("/v1/responses").then().statusCode(200).extract().path("id");
        return new ControlChain(given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator",
                        "previous_response_id", first, "input", "control 2"))
                .when().post("/v1/responses").then().statusCode(200).extract().path("id"));
    }

    public void assertUnchangedAndHealthy() {
        assertEquals(fingerprint, continued(), "the control chain's context changed");
        given().when().get("/q/health/live").then().statusCode(200);
    }

    /** The fingerprint of what the engine receives when the chain is continued with a fixed input. */
    private String continued() {
        return given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator",
                        "previous_response_id", parent, "input", "probe", "store", false))
                .when().post("/v1/responses").then().statusCode(200).extract().header("x-baton-context-fingerprint");
    }
}
