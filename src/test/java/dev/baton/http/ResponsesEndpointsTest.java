package dev.baton.http;

import static dev.baton.support.Requests.create;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ResponsesEndpointsTest {

    @Test
    void createsACompletedResponseWithEveryResponseField() {
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "Say hello", "metadata", Map.of("run", "7"),
                        "instructions", "Be brief.", "temperature", 0.5))
                .when().post("/v1/responses")
                .then().statusCode(200)
                .header("x-request-id", matchesPattern("req_[0-9a-f]{32}"))
                .header("x-baton-context-fingerprint", matchesPattern("[0-9a-f]{64}"))
                .body("id", matchesPattern("resp_[0-9a-f]{48}"))
                .body("object", equalTo("response"))
                .body("status", equalTo("completed"))
                .body("created_at", greaterThan(0))
                .body("completed_at", notNullValue())
                .body("error", nullValue())
                .body("incomplete_details", nullValue())
                .body("instructions", equalTo("Be brief."))
                .body("metadata.run", equalTo("7"))
                .body("model", equalTo("baton-simulator"))
                .body("temperature", equalTo(0.5f))
                .body("top_p", equalTo(1.0f))
                .body("tool_choice", equalTo("auto"))
                .body("tools", hasSize(0))
                .body("store", equalTo(true))
                .body("parallel_tool_calls", equalTo(true))
                .body("text.format.type", equalTo("text"))
                .body("truncation", equalTo("disabled"))
                .body("output", hasSize(1))
                .body("output[0].type", equalTo("message"))
                .body("output[0].id", matchesPattern("msg_[0-9a-f]{48}"))
                .body("output[0].role", equalTo("assistant"))
                .body("output[0].status", equalTo("completed"))
                .body("output[0].content[0].type", equalTo("output_text"))
                .body("output[0].content[0].text", containsString("Simulated reply #1 to \"Say hello\""))
                .body("usage.input_tokens", greaterThan(0))
                .body("usage.output_tokens", greaterThan(0))
                .body("usage.input_tokens_details.cached_tokens", equalTo(0))
                .body("usage.output_tokens_details.reasoning_tokens", equalTo(0));
    }

    @Test
    void usageCountsRealTokens() {
        JsonPath response = create(Map.of("model", "baton-simulator", "input", "Hello world"));
        int input = response.getInt("usage.input_tokens");
        int output = response.getInt("usage.output_tokens");
        // "Hello world" is two o200k tokens, plus the 4 tokens of message framing
        assertEquals(6, input);
        assertEquals(input + output, response.getInt("usage.total_tokens"));
    }

    @Test
    void retrievesAndDeletesAStoredResponse() {
        JsonPath created = create(Map.of("model", "baton-simulator", "input", "Keep me"));
        String id = created.getString("id");
        given().when().get("/v1/responses/" + id).then().statusCode(200)
                .body("id", equalTo(id))
                .body("output[0].id", equalTo(created.getString("output[0].id")))
                .body("output[0].content[0].text", equalTo(created.getString("output[0].content[0].text")));

        given().when().delete("/v1/responses/" + id).then().statusCode(200)
                .body("id", equalTo(id)).body("object", equalTo("response.deleted")).body("deleted", equalTo(true));
        given().when().get("/v1/responses/" + id).then().statusCode(404)
                .body("error.message", equalTo("Response with id '" + id + "' not found."))
                .body("error.type", equalTo("invalid_request_error"));
        given().when().delete("/v1/responses/" + id).then().statusCode(404);
    }

    @Test
    void unknownIdAnswers404InTheOpenAiShape() {
        given().when().get("/v1/responses/resp_unknown").then().statusCode(404)
                .contentType(ContentType.JSON)
                .body("error.message", equalTo("Response with id 'resp_unknown' not found."))
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.param", nullValue())
                .body("error.code", nullValue());
    }

    @Test
    void storeFalseResponsesAreNeitherRetrievableNorContinuable() {
        String id = create(Map.of("model", "baton-simulator", "input", "Forget me", "store", false)).getString("id");
        given().when().get("/v1/responses/" + id).then().statusCode(404);
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "more", "previous_response_id", id))
                .when().post("/v1/responses").then().statusCode(400)
                .body("error.code", equalTo("previous_response_not_found"));
    }

    @Test
    void pagesInputItems() {
        List<Map<String, Object>> input = List.of(
                Map.of("role", "developer", "content", "You are terse."),
                Map.of("role", "user", "content", "one"),
                Map.of("type", "message", "role", "user", "content", List.of(Map.of("type", "input_text", "text", "two"))),
                Map.of("role", "user", "content", "three", "id", "msg_client_chosen"));
        String id = create(Map.of("model", "baton-simulator", "input", input)).getString("id");

        JsonPath firstPage = given().queryParam("limit", 2).when().get("/v1/responses/" + id + "/input_items")
                .then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data", hasSize(2))
                .body("has_more", equalTo(true))
                .body("data[0].id", equalTo("msg_client_chosen"))
                .body("data[1].content[0].text", equalTo("two"))
                .extract().jsonPath();
        assertEquals(firstPage.getString("data[0].id"), firstPage.getString("first_id"));
        assertEquals(firstPage.getString("data[1].id"), firstPage.getString("last_id"));

        given().queryParam("limit", 2).queryParam("after", firstPage.getString("last_id"))
                .when().get("/v1/responses/" + id + "/input_items")
                .then().statusCode(200)
                .body("data", hasSize(2))
                .body("has_more", equalTo(false))
                .body("data[0].content[0].text", equalTo("one"))
                .body("data[1].role", equalTo("developer"));

        given().queryParam("order", "asc").when().get("/v1/responses/" + id + "/input_items")
                .then().statusCode(200)
                .body("data", hasSize(4))
                .body("data[0].role", equalTo("developer"))
                .body("data[3].id", equalTo("msg_client_chosen"));

        given().queryParam("limit", 0).when().get("/v1/responses/" + id + "/input_items")
                .then().statusCode(400).body("error.param", equalTo("limit"));
        given().queryParam("order", "sideways").when().get("/v1/responses/" + id + "/input_items")
                .then().statusCode(400).body("error.param", equalTo("order"));
    }

    @Test
    void cancelExplainsThatOnlyBackgroundResponsesCanBeCancelled() {
        String id = create(Map.of("model", "baton-simulator", "input", "hi")).getString("id");
        given().when().post("/v1/responses/" + id + "/cancel").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.message", containsString("background=true"));
        given().when().post("/v1/responses/resp_missing/cancel").then().statusCode(404);
    }

    @Test
    void countsInputTokensIncludingTheChain() {
        JsonPath first = create(Map.of("model", "baton-simulator", "input", "Hello world"));
        given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "Hello world"))
                .when().post("/v1/responses/input_tokens")
                .then().statusCode(200)
                .body("object", equalTo("response.input_tokens"))
                .body("input_tokens", equalTo(first.getInt("usage.input_tokens")));

        int chained = given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "Hello world",
                        "previous_response_id", first.getString("id")))
                .when().post("/v1/responses/input_tokens")
                .then().statusCode(200).extract().jsonPath().getInt("input_tokens");
        int expected = first.getInt("usage.input_tokens") + first.getInt("usage.output_tokens") + 4 + 6;
        assertEquals(expected, chained, "chain items + the assistant reply's framing + the new message");
    }

    @Test
    void listsModels() {
        given().when().get("/v1/models").then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data.id", hasItem("baton-simulator"))
                .body("data.id", hasItem("agent-loop"))
                .body("data[0].object", equalTo("model"));
        given().when().get("/v1/models/baton-simulator").then().statusCode(200).body("id", equalTo("baton-simulator"));
        given().when().get("/v1/models/gpt-nope").then().statusCode(404).body("error.type", equalTo("invalid_request_error"));
    }

    @Test
    void honoursMaxOutputTokensWithAnIncompleteResponse() {
        JsonPath response = create(Map.of("model", "baton-simulator", "input", "Talk a lot", "max_output_tokens", 16));
        assertEquals("incomplete", response.getString("status"));
        assertEquals("max_output_tokens", response.getString("incomplete_details.reason"));
        assertEquals(16, response.getInt("usage.output_tokens"));
    }
}
