package dev.baton.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.Map;

/** Small RestAssured helpers for the Responses API. */
public final class Requests {

    private Requests() {
    }

    public static Response post(Object body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/responses");
    }

    public static JsonPath create(Map<String, Object> body) {
        return post(body).then().statusCode(200).extract().jsonPath();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** A JSON node as the map RestAssured would send for it. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> asMap(com.fasterxml.jackson.databind.JsonNode node) {
        return JSON.convertValue(node, Map.class);
    }

    public static com.fasterxml.jackson.databind.JsonNode asTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The context fingerprint the simulator writes at the end of a generated reply. */
    public static String fingerprintOfText(String text) {
        int start = text.lastIndexOf("[context ");
        if (start < 0) {
            throw new AssertionError("no fingerprint in: " + text);
        }
        return text.substring(start + 9, text.indexOf(']', start));
    }
}
