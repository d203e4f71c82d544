package dev.baton.http;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(TenantIsolationTest.TwoTenants.class)
class TenantIsolationTest {

    public static class TwoTenants implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.api-keys", "sk-alpha=alpha,sk-beta=beta");
        }
    }

    private static String create(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "secret plans"))
                .when().post("/v1/responses").then().statusCode(200).extract().jsonPath().getString("id");
    }

    @Test
    void rejectsMissingAndUnknownKeys() {
        given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "x"))
                .when().post("/v1/responses").then().statusCode(401)
                .body("error.code", equalTo("invalid_api_key"))
                .body("error.type", equalTo("invalid_request_error"));
        given().header("Authorization", "Bearer sk-wrong").when().get("/v1/models").then().statusCode(401);
    }

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL root;

    @Test
    void checksTheKeyBeforeTheWebSocketUpgrade() {
        java.net.URI uri = java.net.URI.create(root.toString().replaceFirst("^http", "ws") + "v1/responses");
        var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CompletionException.class,
                () -> java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                        .header("Authorization", "Bearer sk-wrong")
                        .buildAsync(uri, new java.net.http.WebSocket.Listener() { }).join());
        var handshake = (java.net.http.WebSocketHandshakeException) failure.getCause();
        org.junit.jupiter.api.Assertions.assertEquals(401, handshake.getResponse().statusCode());
        org.junit.jupiter.api.Assertions.assertTrue(
                String.valueOf(handshake.getResponse().body()).contains("invalid_api_key"));

        String id;
        try (var ws = dev.baton.support.WsClient.connect(root, Map.of("Authorization", "Bearer sk-alpha"))) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "hi"));
            var frames = ws.untilTerminal();
            var last = frames.get(frames.size() - 1);
            org.junit.jupiter.api.Assertions.assertEquals("response.completed", last.path("type").asText());
            id = last.at("/response/id").asText();
        }
        given().header("Authorization", "Bearer sk-alpha").when().get("/v1/responses/" + id).then().statusCode(200);
        try (var ws = dev.baton.support.WsClient.connect(root, Map.of("Authorization", "Bearer sk-beta"))) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "steal",
                    "previous_response_id", id));
            org.junit.jupiter.api.Assertions.assertEquals("previous_response_not_found", ws.next().at("/error/code").asText());
        }
    }

    @Test
    void anotherTenantsIdAnswersExactlyLikeAnUnknownId() {
        String id = create("sk-alpha");
        given().header("Authorization", "Bearer sk-alpha").when().get("/v1/responses/" + id).then().statusCode(200);

        String unknown = given().header("Authorization", "Bearer sk-beta").when().get("/v1/responses/resp_unknown")
                .then().statusCode(404).extract().jsonPath().getString("error.message");
        String foreign = given().header("Authorization", "Bearer sk-beta").when().get("/v1/responses/" + id)
                .then().statusCode(404).extract().jsonPath().getString("error.message");
        org.junit.jupiter.api.Assertions.assertEquals(unknown.replace("resp_unknown", id), foreign);

        given().header("Authorization", "Bearer sk-beta").contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "steal", "previous_response_id", id))
                .when().post("/v1/responses").then().statusCode(400)
                .body("error.code", equalTo("previous_response_not_found"));
        given().header("Authorization", "Bearer sk-beta").when().delete("/v1/responses/" + id).then().statusCode(404);
        given().header("Authorization", "Bearer sk-alpha").when().get("/v1/responses/" + id).then().statusCode(200);
    }

    /** Every way to name a response: the foreign id's whole answer is the unknown id's, with the id swapped. */
    @Test
    void anotherTenantsIdGetsTheUnknownIdsWholeAnswerOnEveryPath() {
        String id = create("sk-alpha");
        for (String[] call : new String[][] {{"GET", "/v1/responses/%s"}, {"DELETE", "/v1/responses/%s"},
                {"GET", "/v1/responses/%s/input_items"}, {"POST", "/v1/responses/%s/cancel"}}) {
            var unknown = given().header("Authorization", "Bearer sk-beta").when()
                    .request(call[0], call[1].formatted("resp_unknown0000"));
            var foreign = given().header("Authorization", "Bearer sk-beta").when().request(call[0], call[1].formatted(id));
            org.junit.jupiter.api.Assertions.assertEquals(unknown.statusCode(), foreign.statusCode(), call[0] + " " + call[1]);
            org.junit.jupiter.api.Assertions.assertEquals(unknown.asString().replace("resp_unknown0000", id),
                    foreign.asString(), call[0] + " " + call[1]);
        }
        for (boolean stream : new boolean[] {false, true}) {
            String unknown = given().header("Authorization", "Bearer sk-beta").contentType(ContentType.JSON)
                    .body(Map.of("model", "baton-simulator", "input", "x", "stream", stream,
                            "previous_response_id", "resp_unknown0000"))
                    .when().post("/v1/responses").then().extract().asString();
            String foreign = given().header("Authorization", "Bearer sk-beta").contentType(ContentType.JSON)
                    .body(Map.of("model", "baton-simulator", "input", "x", "stream", stream, "previous_response_id", id))
                    .when().post("/v1/responses").then().extract().asString();
            org.junit.jupiter.api.Assertions.assertEquals(unknown.replace("resp_unknown0000", id), foreign,
                    stream ? "SSE" : "HTTP");
        }
        try (var ws = dev.baton.support.WsClient.connect(root, Map.of("Authorization", "Bearer sk-beta"))) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "x",
                    "previous_response_id", "resp_unknown0000"));
            String unknown = ws.next().toString();
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "x", "previous_response_id", id));
            org.junit.jupiter.api.Assertions.assertEquals(unknown.replace("resp_unknown0000", id), ws.next().toString(),
                    "WebSocket");
        }
    }
}
