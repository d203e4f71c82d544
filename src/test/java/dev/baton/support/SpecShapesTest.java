package dev.baton.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The conformance rules catch what they must: a missing field, a wrong kind, a null where none is allowed. */
class SpecShapesTest {

    private static final String RESPONSE = """
            {"id":"resp_1","object":"response","created_at":1,"completed_at":2,"status":"completed",
             "incomplete_details":null,"model":"m","previous_response_id":null,"instructions":null,
             "output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant",
                        "content":[{"type":"output_text","text":"hi","annotations":[]}]},
                       {"type":"function_call","id":"fc_1","call_id":"call_1","name":"f","arguments":"{}",
                        "status":"completed"}],
             "error":null,"tools":[{"type":"function","name":"f","description":null,"parameters":null,"strict":null}],
             "tool_choice":"auto","truncation":"disabled","parallel_tool_calls":true,"text":{"format":{"type":"text"}},
             "top_p":1,"presence_penalty":0,"frequency_penalty":0,"top_logprobs":0,"temperature":1,
             "reasoning":{"effort":null,"summary":null},
             "usage":{"input_tokens":1,"output_tokens":1,"total_tokens":2,"input_tokens_details":{"cached_tokens":0},
                      "output_tokens_details":{"reasoning_tokens":0}},
             "max_output_tokens":null,"max_tool_calls":null,"store":true,"background":false,"service_tier":"default",
             "metadata":{},"safety_identifier":null,"prompt_cache_key":null,"baton_safety":{"verdict":"allow"}}""";

    private static List<String> violations(String shape, JsonNode value) {
        SpecShapes.Report report = new SpecShapes.Report();
        SpecShapes.check(shape, value, "$", report);
        return report.violations();
    }

    private static ObjectNode response() {
        return (ObjectNode) Requests.asTree(RESPONSE);
    }

    @Test
    void aConformingResponseWithAnExtensionFieldPasses() {
        assertEquals(List.of(), violations("ResponseResource", response()));
    }

    @Test
    void reportsEveryMissingOrMistypedFieldWithItsPath() {
        ObjectNode response = response();
        response.remove("presence_penalty");
        response.putNull("service_tier");
        response.put("top_logprobs", 0.5);
        ((ObjectNode) response.at("/output/1")).remove("status");
        ((ObjectNode) response.at("/output/0/content/0")).remove("annotations");
        response.put("tool_choice", "sometimes");
        assertEquals(List.of(
                "$.output[0].content[0].annotations: required by OutputTextContent, missing",
                "$.output[1].status: required by FunctionCall, missing",
                "$.tool_choice: must be a tool choice (must be one of [none, auto, required], is string \"sometimes\""
                        + " | tool choice must be an object, is string \"sometimes\")",
                "$.presence_penalty: required by ResponseResource, missing",
                "$.top_logprobs: must be an integer, is number 0.5",
                "$.service_tier: must be a string, is null"), violations("ResponseResource", response));
    }

    @Test
    void anItemOrPartOfAKindTheSpecDoesNotDefineIsReported() {
        ObjectNode response = response();
        ((ObjectNode) response.at("/output/0")).put("type", "web_search_call");
        List<String> found = violations("ResponseResource", response);
        assertEquals(1, found.size(), found.toString());
        assertTrue(found.get(0).startsWith("$.output[0]: item of type string \"web_search_call\" is not one the spec"),
                found.toString());
    }

    @Test
    void anErrorIsTheStreamsEventOverSseAndTheSocketEnvelopeOverAWebSocket() {
        JsonNode streamError = Requests.asTree("""
                {"type":"error","sequence_number":3,"error":{"type":"server_error","code":null,"message":"m","param":null}}""");
        JsonNode socketError = Requests.asTree("""
                {"type":"error","status":400,"error":{"type":"invalid_request_error","code":null,"message":"m","param":"input"}}""");
        SpecShapes.Report report = new SpecShapes.Report();
        SpecShapes.checkSseEvent(streamError, "sse", report);
        SpecShapes.checkSocketFrame(socketError, "ws", report);
        assertEquals(List.of("ws.error.code: must be a string, is null"), report.violations());
    }

    @Test
    void unknownEventTypesAreReportedAndBatonsExtensionsAreCheckedByTheirOwnShape() {
        SpecShapes.Report report = new SpecShapes.Report();
        SpecShapes.checkSseEvent(Requests.asTree("{\"type\":\"response.made_up\",\"sequence_number\":0}"), "sse", report);
        assertEquals(List.of("sse: event type string \"response.made_up\" is not one the spec defines"),
                report.violations());
        for (String type : SpecShapes.EXTENSION_EVENTS.keySet()) {
            SpecShapes.Report extension = new SpecShapes.Report();
            SpecShapes.checkSocketFrame(Requests.asTree("{\"type\":\"" + type + "\"}"), type, extension);
            assertTrue(extension.violations().contains(type + ".sequence_number: required by event " + type
                    + ", missing"), extension.violations().toString());
        }
    }
}
