package dev.baton.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code response.create} / {@code POST /v1/responses} body. Every field of the OpenAI
 * {@code CreateResponse} schema is read: the honoured ones are typed here, the structured ones the
 * gateway echoes but does not interpret ({@code reasoning}, {@code text}, {@code tools},
 * {@code tool_choice}) are kept as read-only JSON, the rest are validated and ignored (see
 * {@link RequestParser}). Boxed fields are {@code null} when the client did not send them.
 */
public record CreateResponseRequest(
        String model,
        List<Item> input,
        String instructions,
        String previousResponseId,
        boolean store,
        boolean stream,
        boolean background,
        boolean generate,
        Integer maxOutputTokens,
        Integer maxToolCalls,
        Map<String, String> metadata,
        Boolean parallelToolCalls,
        String promptCacheKey,
        JsonNode reasoning,
        String safetyIdentifier,
        String serviceTier,
        Double temperature,
        JsonNode text,
        JsonNode toolChoice,
        List<JsonNode> tools,
        Integer topLogprobs,
        Double topP,
        Double presencePenalty,
        Double frequencyPenalty,
        String truncation,
        String user,
        List<String> include,
        String streamId,
        String conversation,
        Integer compactThreshold) {

    public CreateResponseRequest {
        input = List.copyOf(input);
        metadata = Map.copyOf(metadata);
        tools = List.copyOf(tools);
        include = List.copyOf(include);
    }

    /** The same request with its input items replaced (after ids were assigned and references resolved). */
    public CreateResponseRequest withInput(List<Item> newInput) {
        return new CreateResponseRequest(model, newInput, instructions, previousResponseId, store, stream, background,
                generate, maxOutputTokens, maxToolCalls, metadata, parallelToolCalls, promptCacheKey, reasoning,
                safetyIdentifier, serviceTier, temperature, text, toolChoice, tools, topLogprobs, topP, presencePenalty,
                frequencyPenalty, truncation,
                user, include, streamId, conversation, compactThreshold);
    }

    /**
     * A steered response's automatic successor: this request's settings (the steered response's), continuing
     * {@code parentId} with {@code steeringInput}.
     */
    public CreateResponseRequest successor(String parentId, List<Item> steeringInput) {
        return withInput(steeringInput).continuing(parentId);
    }

    /** The same request continuing {@code parentId}: how a conversation's turn builds on its latest response. */
    public CreateResponseRequest continuing(String parentId) {
        return new CreateResponseRequest(model, input, instructions, parentId, store, stream, background,
                generate, maxOutputTokens, maxToolCalls, metadata, parallelToolCalls, promptCacheKey, reasoning,
                safetyIdentifier, serviceTier, temperature, text, toolChoice, tools, topLogprobs, topP, presencePenalty,
                frequencyPenalty, truncation,
                user, include, streamId, conversation, compactThreshold);
    }
}
