package dev.baton.turn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.ResponseObject;
import java.time.Instant;
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
        return new ResponseObject(
                id,
                Instant.now().getEpochSecond(),
                ResponseObject.IN_PROGRESS,
                request.background(),
                null,
                null,
                null,
                request.instructions(),
                request.maxOutputTokens(),
                request.maxToolCalls(),
                request.metadata(),
                request.model(),
                List.of(),
                request.parallelToolCalls() == null || request.parallelToolCalls(),
                request.previousResponseId(),
                request.promptCacheKey(),
                request.reasoning() == null ? DEFAULT_REASONING : request.reasoning(),
                request.safetyIdentifier(),
                request.serviceTier() == null || "auto".equals(request.serviceTier()) ? "default" : request.serviceTier(),
                request.store(),
                request.temperature() == null ? 1.0 : request.temperature(),
                request.text() == null ? DEFAULT_TEXT : request.text(),
                request.toolChoice() == null ? AUTO : request.toolChoice(),
                request.tools(),
                request.topLogprobs() == null ? 0 : request.topLogprobs(),
                request.topP() == null ? 1.0 : request.topP(),
                request.truncation() == null ? "disabled" : request.truncation(),
                null,
                request.user(),
                null);
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
