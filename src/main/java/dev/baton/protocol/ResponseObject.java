package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.Map;

/**
 * The {@code Response} object (PROTOCOL.md B §3.5), identical over JSON, SSE and WebSocket.
 * Immutable: each status change is a new value.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"id", "object", "created_at", "status", "background", "completed_at", "error",
        "incomplete_details", "instructions", "max_output_tokens", "max_tool_calls", "metadata", "model", "output",
        "parallel_tool_calls", "previous_response_id", "prompt_cache_key", "reasoning", "safety_identifier",
        "service_tier", "store", "temperature", "text", "tool_choice", "tools", "top_logprobs", "top_p", "truncation",
        "usage", "user", "conversation"})
public record ResponseObject(
        String id,
        long createdAt,
        String status,
        boolean background,
        Long completedAt,
        ResponseError error,
        IncompleteDetails incompleteDetails,
        String instructions,
        Integer maxOutputTokens,
        Integer maxToolCalls,
        Map<String, String> metadata,
        String model,
        List<Item> output,
        boolean parallelToolCalls,
        String previousResponseId,
        String promptCacheKey,
        JsonNode reasoning,
        String safetyIdentifier,
        String serviceTier,
        boolean store,
        double temperature,
        JsonNode text,
        JsonNode toolChoice,
        List<JsonNode> tools,
        int topLogprobs,
        double topP,
        String truncation,
        Usage usage,
        String user,
        JsonNode conversation) {

    public static final String IN_PROGRESS = "in_progress";
    public static final String COMPLETED = "completed";
    public static final String INCOMPLETE = "incomplete";
    public static final String FAILED = "failed";

    public ResponseObject {
        output = List.copyOf(output);
    }

    @JsonProperty("object")
    public String object() {
        return "response";
    }

    /** A finished copy of this in-progress response. */
    public ResponseObject finish(String newStatus, long at, List<Item> newOutput, Usage newUsage,
                                 ResponseError newError, IncompleteDetails details) {
        return new ResponseObject(id, createdAt, newStatus, background, at, newError, details, instructions,
                maxOutputTokens, maxToolCalls, metadata, model, newOutput, parallelToolCalls, previousResponseId,
                promptCacheKey, reasoning, safetyIdentifier, serviceTier, store, temperature, text, toolChoice, tools,
                topLogprobs, topP, truncation, newUsage, user, conversation);
    }

    /** True when a later turn may continue from this response (PROTOCOL.md Part A.7). */
    public boolean continuable() {
        return COMPLETED.equals(status) || INCOMPLETE.equals(status);
    }

    /** {@code response.error}: {@code {code, message}}. */
    @RegisterForReflection
    public record ResponseError(String code, String message) {
    }

    /** {@code response.incomplete_details}: {@code {reason}}. */
    @RegisterForReflection
    public record IncompleteDetails(String reason) {
    }
}
