package dev.baton.http;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.Sse;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

@QuarkusTest
class SseStreamTest {

    private static String stream(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/responses")
                .then().statusCode(200)
                .header("content-type", org.hamcrest.Matchers.startsWith("text/event-stream"))
                .extract().asString();
    }

    @Test
    void aBackgroundStreamOfAnInstantEngineStillCarriesEveryEvent() {
        for (int i = 0; i < 20; i++) { // the turn may end before the client's stream is attached: nothing is lost
            String body = given().contentType(ContentType.JSON)
                    .body(Map.of("model", "baton-simulator", "input", "quick " + i, "background", true, "stream", true))
                    .when().post("/v1/responses").then().statusCode(200).extract().asString();
            List<Sse.Event> events = Sse.parse(body);
            assertEquals("response.created", events.get(0).type());
            assertEquals("response.completed", events.get(events.size() - 1).type());
            for (int e = 0; e < events.size(); e++) {
                assertEquals(e, events.get(e).data().path("sequence_number").asInt(), "event " + e + " of run " + i);
            }
        }
    }

    @Test
    void streamsTheCanonicalTextSequence() {
        String body = stream(Map.of("model", "baton-simulator", "input", "Stream please", "stream", true));
        assertFalse(body.contains("[DONE]"), "no [DONE] sentinel on the Responses API");
        List<Sse.Event> events = Sse.parse(body);
        List<String> types = events.stream().map(Sse.Event::type).distinct().collect(Collectors.toList());
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.completed"), types);

        for (int i = 0; i < events.size(); i++) {
            assertEquals(events.get(i).name(), events.get(i).type(), "event: line equals the JSON type");
            assertEquals(i, events.get(i).data().get("sequence_number").asInt(), "sequence numbers count from 0");
        }
        JsonNode created = events.get(0).data().get("response");
        assertEquals("in_progress", created.get("status").asText());
        assertTrue(created.get("usage").isNull());

        JsonNode completed = events.get(events.size() - 1).data().get("response");
        assertEquals(created.get("id"), completed.get("id"));
        String itemId = events.get(2).data().at("/item/id").asText();
        assertEquals(itemId, completed.at("/output/0/id").asText(), "item ids in the stream equal the final ones");

        String deltas = events.stream().filter(e -> e.type().equals("response.output_text.delta"))
                .peek(e -> assertEquals(itemId, e.data().get("item_id").asText()))
                .map(e -> e.data().get("delta").asText()).collect(Collectors.joining());
        assertEquals(deltas, completed.at("/output/0/content/0/text").asText());
        assertEquals(deltas, events.stream().filter(e -> e.type().equals("response.output_text.done"))
                .findFirst().orElseThrow().data().get("text").asText());

        given().when().get("/v1/responses/" + completed.get("id").asText()).then().statusCode(200)
                .body("output[0].content[0].text", org.hamcrest.Matchers.equalTo(deltas));
    }

    @Test
    void streamsParallelFunctionCalls() {
        String first = stream(Map.of("model", "agent-loop", "input", "Run the tools", "stream", true));
        JsonNode firstResponse = last(Sse.parse(first)).get("response");
        String callId = firstResponse.at("/output/0/call_id").asText();

        String body = stream(Map.of("model", "agent-loop", "stream", true,
                "previous_response_id", firstResponse.get("id").asText(),
                "input", List.of(Map.of("type", "function_call_output", "call_id", callId, "output", "a b c"))));
        List<Sse.Event> events = Sse.parse(body);
        JsonNode completed = last(events).get("response");
        assertEquals(2, completed.get("output").size());

        List<Sse.Event> added = events.stream().filter(e -> e.type().equals("response.output_item.added")).toList();
        assertEquals(2, added.size());
        for (int index = 0; index < 2; index++) {
            JsonNode item = added.get(index).data().get("item");
            JsonNode finalItem = completed.get("output").get(index);
            assertEquals("function_call", item.get("type").asText());
            assertEquals(index, added.get(index).data().get("output_index").asInt());
            assertEquals(finalItem.get("id"), item.get("id"));
            assertEquals(finalItem.get("call_id"), item.get("call_id"));
            String args = events.stream()
                    .filter(e -> e.type().equals("response.function_call_arguments.delta"))
                    .filter(e -> e.data().get("item_id").equals(item.get("id")))
                    .map(e -> e.data().get("delta").asText()).collect(Collectors.joining());
            assertEquals(finalItem.get("arguments").asText(), args);
        }
        assertEquals("exec_command", completed.at("/output/0/name").asText());
        assertEquals("{\"cmd\":\"cat README.md\",\"turn\":\"2\"}", completed.at("/output/0/arguments").asText());
        assertEquals("view_image", completed.at("/output/1/name").asText());
    }

    @Test
    void validationErrorsOfAStreamingRequestAreHttpErrors() {
        given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "x", "stream", true, "previous_response_id", "resp_x"))
                .when().post("/v1/responses").then().statusCode(400)
                .contentType(ContentType.JSON)
                .body("error.code", org.hamcrest.Matchers.equalTo("previous_response_not_found"));
    }

    @Test
    void warmUpRunsNoModelAndIsChainable() {
        List<Sse.Event> events = Sse.parse(stream(Map.of("model", "baton-simulator", "stream", true,
                "generate", false, "input", List.of(Map.of("role", "developer", "content", "You are Codex.")))));
        assertEquals(List.of("response.created", "response.in_progress", "response.completed"),
                events.stream().map(Sse.Event::type).toList());
        JsonNode warm = last(events).get("response");
        assertEquals(0, warm.get("output").size());
        assertEquals(0, warm.at("/usage/output_tokens").asInt());

        String reply = given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", List.of(),
                        "previous_response_id", warm.get("id").asText()))
                .when().post("/v1/responses").then().statusCode(200)
                .extract().jsonPath().getString("output[0].content[0].text");
        assertTrue(reply.startsWith("Simulated reply #1:"), reply);
    }

    private static JsonNode last(List<Sse.Event> events) {
        Sse.Event last = events.get(events.size() - 1);
        assertEquals("response.completed", last.type());
        return last.data();
    }
}
