package dev.baton.turn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.ResponseObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds the in-progress {@link ResponseObject} that echoes a request's settings with OpenAI's defaults. */
final class Settings {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final JsonNode DEFAULT_TEXT = textFormat();
    private static final JsonNode DEFAULT_REASONING = reasoning();
    private static final JsonNode AUTO = NODES.textNode("auto");

    private Settings() {
    }

    static ResponseObject inProgress(String id, CreateResponseRequest request) {
        return ResponseObject.builder(id, Instant.now().getEpochSecond(), request.model())
                .background(request.background())
                .instructions(request.instructions())
                .maxOutputTokens(request.maxOutputTokens())
                .maxToolCalls(request.maxToolCalls())
                .metadata(request.metadata())
                .parallelToolCalls(request.parallelToolCalls() == null || request.parallelToolCalls())
                .presencePenalty(request.presencePenalty() == null ? 0 : request.presencePenalty())
                .frequencyPenalty(request.frequencyPenalty() == null ? 0 : request.frequencyPenalty())
                .previousResponseId(request.previousResponseId())
                .promptCacheKey(request.promptCacheKey())
                .reasoning(request.reasoning() == null ? DEFAULT_REASONING : request.reasoning())
                .safetyIdentifier(request.safetyIdentifier())
                .serviceTier(request.serviceTier() == null || "auto".equals(request.serviceTier()) ? "default"
                        : request.serviceTier())
                .store(request.store())
                .temperature(request.temperature() == null ? 1.0 : request.temperature())
                .text(request.text() == null ? DEFAULT_TEXT : request.text())
                .toolChoice(request.toolChoice() == null ? AUTO : request.toolChoice())
                .tools(echoed(request.tools()))
                .topLogprobs(request.topLogprobs() == null ? 0 : request.topLogprobs())
                .topP(request.topP() == null ? 1.0 : request.topP())
                .truncation(request.truncation() == null ? "disabled" : request.truncation())
                .user(request.user())
                .conversation(request.conversation() == null ? null : NODES.objectNode().put("id", request.conversation()))
                .build();
    }

    /**
     * The tools as a response shows them: a function tool always has {@code description}, {@code parameters} and
     * {@code strict} (null where the request left them out), as the Responses API's {@code FunctionTool} requires.
     */
    private static List<JsonNode> echoed(List<JsonNode> tools) {
        List<JsonNode> shown = new ArrayList<>(tools.size());
        for (JsonNode tool : tools) {
            if (!"function".equals(tool.path("type").asText()) || (tool.has("description") && tool.has("parameters")
                    && tool.has("strict"))) {
                shown.add(tool);
                continue;
            }
            ObjectNode function = tool.deepCopy();
            for (String field : List.of("description", "parameters", "strict")) {
                if (!function.has(field)) {
                    function.putNull(field);
                }
            }
            shown.add(function);
        }
        return shown;
    }

    private static JsonNode textFormat() {
        ObjectNode text = NODES.objectNode();
        text.putObject("format").put("type", "text");
        return text;
    }

    private static JsonNode reasoning() {
        ObjectNode reasoning = NODES.objectNode();
        reasoning.putNull("effort");
        reasoning.putNull("summary");
        return reasoning;
    }
}
