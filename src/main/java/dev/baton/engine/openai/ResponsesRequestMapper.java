package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.engine.EngineRequest;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.ReasoningItem;
import java.util.List;

/**
 * Maps a turn to an upstream {@code POST /v1/responses} body (or a WebSocket {@code response.create}):
 * always {@code store:false} and {@code stream:true} — Baton owns the state. Items are sent in
 * their API form without Baton's ids (the upstream does not know them); reasoning items are sent only
 * when they carry {@code encrypted_content} (without it a stateless upstream cannot use them). Tools,
 * {@code tool_choice}, {@code reasoning}, {@code text} (structured outputs), {@code include} (ask for
 * {@code reasoning.encrypted_content} to keep reasoning across turns) and the sampling settings pass
 * through unchanged.
 */
final class ResponsesRequestMapper {

    private final ObjectMapper json;

    ResponsesRequestMapper(ObjectMapper json) {
        this.json = json;
    }

    /**
     * @param items              the items to send: the whole context, or only the new ones when
     *                           continuing {@code previousResponseId} on an upstream socket
     * @param previousResponseId the upstream's id to continue from, or {@code null}
     */
    ObjectNode map(EngineRequest request, String model, List<Item> items, String previousResponseId) {
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        body.put("stream", true);
        body.put("store", false);
        if (previousResponseId != null) {
            body.put("previous_response_id", previousResponseId);
        }
        if (request.instructions() != null && !request.instructions().isEmpty()) {
            body.put("instructions", request.instructions());
        }
        ArrayNode input = body.putArray("input");
        for (Item listed : items) {
            // Baton seals its own compaction items: an upstream gets the summary inside, as a message
            Item item = listed instanceof CompactionItem compaction ? compaction.asUserMessage() : listed;
            if (item instanceof ReasoningItem reasoning && reasoning.encryptedContent() == null) {
                continue;
            }
            JsonNode mapped = json.valueToTree(item);
            if (mapped instanceof ObjectNode object) {
                object.remove("id");
            }
            input.add(mapped);
        }
        if (!request.tools().isEmpty()) {
            body.set("tools", json.valueToTree(request.tools()));
            body.put("parallel_tool_calls", request.parallelToolCalls());
        }
        if (request.toolChoice() != null) {
            body.set("tool_choice", request.toolChoice());
        }
        if (request.maxOutputTokens() != null) {
            body.put("max_output_tokens", request.maxOutputTokens());
        }
        if (request.maxToolCalls() != null) {
            body.put("max_tool_calls", request.maxToolCalls());
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (request.topP() != null) {
            body.put("top_p", request.topP());
        }
        if (request.presencePenalty() != null) {
            body.put("presence_penalty", request.presencePenalty());
        }
        if (request.frequencyPenalty() != null) {
            body.put("frequency_penalty", request.frequencyPenalty());
        }
        if (request.promptCacheKey() != null) {
            body.put("prompt_cache_key", request.promptCacheKey());
        }
        if (request.reasoning() != null && !request.reasoning().isNull()) {
            body.set("reasoning", request.reasoning());
        }
        if (request.text() != null && !request.text().isNull()) {
            body.set("text", request.text());
        }
        if (!request.include().isEmpty()) {
            body.set("include", json.valueToTree(request.include()));
        }
        return body;
    }
}
