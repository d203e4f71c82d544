package dev.baton.http;

import static dev.baton.support.Requests.create;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class RequestErrorsTest {

    @jakarta.inject.Inject
    dev.baton.limits.InboundBytes inbound;

    @TestHTTPResource("/")
    URL root;

    private int port;

    @org.junit.jupiter.api.BeforeEach
    void port() {
        port = root.getPort();
    }

    private static io.restassured.response.ValidatableResponse postRaw(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/responses").then();
    }

    @Test
    void malformedJsonIsAnInvalidJsonError() {
        postRaw("{\"model\": \"baton-simulator\", \"input\": ").statusCode(400)
                .contentType(ContentType.JSON)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("invalid_json"))
                .body("error.param", nullValue())
                .body("error.message", containsString("could not parse the JSON body"));
        postRaw("").statusCode(400).body("error.code", equalTo("invalid_json"));
        postRaw("[1,2]").statusCode(400).body("error.code", equalTo("invalid_type"));
    }

    @Test
    void wrongTypesNameTheParam() {
        postRaw("{\"model\":\"baton-simulator\",\"input\":\"hi\",\"temperature\":\"hot\"}").statusCode(400)
                .body("error.code", equalTo("invalid_type"))
                .body("error.param", equalTo("temperature"))
                .body("error.message", equalTo(
                        "Invalid type for 'temperature': expected a decimal, but got a string instead."));
        postRaw("{\"model\":\"baton-simulator\",\"input\":42}").statusCode(400)
                .body("error.param", equalTo("input"));
        postRaw("{\"model\":\"baton-simulator\",\"input\":[{\"role\":\"user\",\"content\":7}]}").statusCode(400)
                .body("error.param", equalTo("input[0].content"));
        postRaw("{\"model\":\"baton-simulator\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}")
                .statusCode(400)
                .body("error.code", equalTo("missing_required_parameter"))
                .body("error.param", equalTo("input[0].call_id"));
        postRaw("{\"model\":\"baton-simulator\",\"input\":[{\"role\":\"robot\",\"content\":\"x\"}]}").statusCode(400)
                .body("error.code", equalTo("invalid_value"))
                .body("error.param", equalTo("input[0].role"));
        postRaw("{\"model\":\"baton-simulator\",\"input\":\"hi\",\"store\":\"yes\"}").statusCode(400)
                .body("error.param", equalTo("store"));
        postRaw("{\"model\":\"baton-simulator\",\"input\":\"hi\",\"top_p\":3}").statusCode(400)
                .body("error.param", equalTo("top_p"));
        postRaw("{\"model\":\"baton-simulator\",\"input\":\"hi\",\"metadata\":{\"k\":1}}").statusCode(400)
                .body("error.param", equalTo("metadata.k"));
    }

    @Test
    void modelIsRequired() {
        postRaw("{\"input\":\"hi\"}").statusCode(400)
                .body("error.code", equalTo("missing_required_parameter"))
                .body("error.param", equalTo("model"));
    }

    @Test
    void unknownPreviousResponseIsPreviousResponseNotFound() {
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "hi", "previous_response_id", "resp_0000"))
                .when().post("/v1/responses").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("previous_response_not_found"))
                .body("error.param", equalTo("previous_response_id"))
                .body("error.message", equalTo("Previous response with id 'resp_0000' not found."));
    }

    @Test
    void rejectsWebSocketOnlyAndUnhostedFields() {
        postRaw("{\"model\":\"baton-simulator\",\"input\":\"hi\",\"stream_id\":\"lane\"}").statusCode(400)
                .body("error.param", equalTo("stream_id"));
        postRaw("{\"model\":\"baton-simulator\",\"input\":\"hi\",\"background\":true,\"store\":false}").statusCode(400)
                .body("error.param", equalTo("background"));
        postRaw("{\"model\":\"baton-simulator\",\"input\":\"hi\",\"prompt\":{\"id\":\"pmpt_1\"}}").statusCode(400)
                .body("error.param", equalTo("prompt"))
                .body("error.code", equalTo("unsupported_parameter"));
        postRaw("{\"model\":\"baton-simulator\",\"input\":\"hi\",\"conversation\":\"conv_1\"}").statusCode(404)
                .body("error.message", equalTo("Conversation with id 'conv_1' not found."));
        postRaw("{\"model\":\"baton-simulator\",\"input\":\"hi\",\"conversation\":5}").statusCode(400)
                .body("error.param", equalTo("conversation")).body("error.code", equalTo("invalid_type"));
    }

    @Test
    void acceptsAndIgnoresFieldsItDoesNotInterpret() {
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "hi",
                        "client_metadata", Map.of("installation", "x"),
                        "prompt_cache_retention", "24h",
                        "stream_options", Map.of("include_obfuscation", false),
                        "include", List.of("reasoning.encrypted_content"),
                        "reasoning", Map.of("effort", "low", "summary", "auto"),
                        "tools", List.of(Map.of("type", "web_search"),
                                Map.of("type", "function", "name", "exec", "parameters", Map.of("type", "object"))),
                        "some_future_field", 1))
                .header("OpenAI-Beta", "responses_websockets=2026-02-06")
                .when().post("/v1/responses").then().statusCode(200)
                .body("reasoning.effort", equalTo("low"))
                .body("tools[0].type", equalTo("web_search"))
                .body("tools[1].name", equalTo("exec"));
    }

    @Test
    void unknownItemReferenceNamesTheItem() {
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input",
                        List.of(Map.of("type", "item_reference", "id", "msg_missing"))))
                .when().post("/v1/responses").then().statusCode(400)
                .body("error.param", equalTo("input[0].id"))
                .body("error.code", equalTo("item_not_found"));
    }

    @Test
    void aRejectedRequestLeavesTheChainUsable() {
        String id = create(Map.of("model", "baton-simulator", "input", "start")).getString("id");
        postRaw("{\"model\":\"baton-simulator\",\"previous_response_id\":\"" + id + "\",\"input\":[{\"role\":7}]}")
                .statusCode(400);
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "go on", "previous_response_id", id))
                .when().post("/v1/responses").then().statusCode(200)
                .body("previous_response_id", equalTo(id))
                .body("output[0].content[0].text", containsString("Simulated reply #2"));
    }

    @Test
    void oversizeBodiesGetPayloadTooLarge() throws Exception {
        // A raw client: it announces 17 MiB, sends the start, and reads the early answer as real clients must.
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/responses HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (17 * 1024 * 1024) + "\r\n\r\n{\"model\":\"baton-simulator\",\"input\":\"")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(reply.startsWith("HTTP/1.1 413"), reply);
            assertTrue(reply.contains("\"code\":\"payload_too_large\""), reply);
        }
        // the body's bytes held against the inbound budget are given back (a 413 used to keep 16 MiB for good)
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> inbound.held() == 0);
    }

    @Test
    void anUnknownRouteIsAJsonNotFoundInTheEnvelope() {
        for (String path : List.of("/v1/nope", "/nope", "/v1/responses/x/y/z")) {
            given().when().get(path).then().statusCode(404)
                    .contentType(ContentType.JSON)
                    .body("error.type", equalTo("invalid_request_error"))
                    .body("error.message", equalTo("Invalid URL (GET " + path + ")."));
        }
    }

    @Test
    void aWrongMethodIsAJsonMethodNotAllowedNamingTheAllowedOnes() {
        given().when().put("/v1/responses").then().statusCode(405)
                .contentType(ContentType.JSON)
                .header("allow", containsString("POST"))
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("method_not_allowed"))
                .body("error.message", containsString("The method PUT is not allowed for /v1/responses (allowed: "));
    }

    @Test
    void tooManyInputItemsAreRefusedNamingTheLimit() {
        List<Map<String, Object>> items = new java.util.ArrayList<>();
        for (int i = 0; i < 10_001; i++) {
            items.add(Map.of("role", "user", "content", "x"));
        }
        given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", items))
                .when().post("/v1/responses").then().statusCode(400)
                .body("error.code", equalTo("too_many_items"))
                .body("error.param", equalTo("input"))
                .body("error.message", containsString("at most 10000"));
    }
}
