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
        "parallel_tool_calls", "presence_penalty", "frequency_penalty", "previous_response_id", "prompt_cache_key", "reasoning", "safety_identifier",
        "service_tier", "store", "temperature", "text", "tool_choice", "tools", "top_logprobs", "top_p", "truncation",
        "usage", "user", "conversation", "baton_safety"})
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
        double presencePenalty,
        double frequencyPenalty,
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
        JsonNode conversation,
        @JsonProperty("baton_safety") @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode batonSafety) {

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
        return toBuilder().status(newStatus).completedAt(at).output(newOutput).usage(newUsage).error(newError)
                .incompleteDetails(details).build();
    }

    /** A builder holding this response's fields. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A builder with the API's defaults for every optional field. */
    public static Builder builder(String id, long createdAt, String model) {
        return new Builder(id, createdAt, model);
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

    /** Builds a {@link ResponseObject}: the one place its thirty fields are spelled out. */
    public static final class Builder {
        private final String id;
        private final long createdAt;
        private final String model;
        private String status = IN_PROGRESS;
        private boolean background;
        private Long completedAt;
        private ResponseError error;
        private IncompleteDetails incompleteDetails;
        private String instructions;
        private Integer maxOutputTokens;
        private Integer maxToolCalls;
        private Map<String, String> metadata = Map.of();
        private List<Item> output = List.of();
        private boolean parallelToolCalls = true;
        private double presencePenalty;
        private double frequencyPenalty;
        private String previousResponseId;
        private String promptCacheKey;
        private JsonNode reasoning;
        private String safetyIdentifier;
        private String serviceTier;
        private boolean store = true;
        private double temperature = 1.0;
        private JsonNode text;
        private JsonNode toolChoice;
        private List<JsonNode> tools = List.of();
        private int topLogprobs;
        private double topP = 1.0;
        private String truncation;
        private Usage usage;
        private String user;
        private JsonNode conversation;
        private JsonNode batonSafety;

        private Builder(String id, long createdAt, String model) {
            this.id = id;
            this.createdAt = createdAt;
            this.model = model;
        }

        private Builder(ResponseObject r) {
            this(r.id, r.createdAt, r.model);
            status = r.status;
            background = r.background;
            completedAt = r.completedAt;
            error = r.error;
            incompleteDetails = r.incompleteDetails;
            instructions = r.instructions;
            maxOutputTokens = r.maxOutputTokens;
            maxToolCalls = r.maxToolCalls;
            metadata = r.metadata;
            output = r.output;
            parallelToolCalls = r.parallelToolCalls;
            presencePenalty = r.presencePenalty;
            frequencyPenalty = r.frequencyPenalty;
            previousResponseId = r.previousResponseId;
            promptCacheKey = r.promptCacheKey;
            reasoning = r.reasoning;
            safetyIdentifier = r.safetyIdentifier;
            serviceTier = r.serviceTier;
            store = r.store;
            temperature = r.temperature;
            text = r.text;
            toolChoice = r.toolChoice;
            tools = r.tools;
            topLogprobs = r.topLogprobs;
            topP = r.topP;
            truncation = r.truncation;
            usage = r.usage;
            user = r.user;
            conversation = r.conversation;
            batonSafety = r.batonSafety;
        }

        public Builder status(String value) { status = value; return this; }
        public Builder background(boolean value) { background = value; return this; }
        public Builder completedAt(Long value) { completedAt = value; return this; }
        public Builder error(ResponseError value) { error = value; return this; }
        public Builder incompleteDetails(IncompleteDetails value) { incompleteDetails = value; return this; }
        public Builder instructions(String value) { instructions = value; return this; }
        public Builder maxOutputTokens(Integer value) { maxOutputTokens = value; return this; }
        public Builder maxToolCalls(Integer value) { maxToolCalls = value; return this; }
        public Builder metadata(Map<String, String> value) { metadata = value; return this; }
        public Builder output(List<Item> value) { output = value; return this; }
        public Builder parallelToolCalls(boolean value) { parallelToolCalls = value; return this; }
        public Builder presencePenalty(double value) { presencePenalty = value; return this; }
        public Builder frequencyPenalty(double value) { frequencyPenalty = value; return this; }
        public Builder previousResponseId(String value) { previousResponseId = value; return this; }
        public Builder promptCacheKey(String value) { promptCacheKey = value; return this; }
        public Builder reasoning(JsonNode value) { reasoning = value; return this; }
        public Builder safetyIdentifier(String value) { safetyIdentifier = value; return this; }
        public Builder serviceTier(String value) { serviceTier = value; return this; }
        public Builder store(boolean value) { store = value; return this; }
        public Builder temperature(double value) { temperature = value; return this; }
        public Builder text(JsonNode value) { text = value; return this; }
        public Builder toolChoice(JsonNode value) { toolChoice = value; return this; }
        public Builder tools(List<JsonNode> value) { tools = value; return this; }
        public Builder topLogprobs(int value) { topLogprobs = value; return this; }
        public Builder topP(double value) { topP = value; return this; }
        public Builder truncation(String value) { truncation = value; return this; }
        public Builder usage(Usage value) { usage = value; return this; }
        public Builder user(String value) { user = value; return this; }
        public Builder conversation(JsonNode value) { conversation = value; return this; }
        /** Baton's extension: the safety verdicts of the turn's input (docs/safety.md), or {@code null} when safety is off. */
        public Builder batonSafety(JsonNode value) { batonSafety = value; return this; }

        public ResponseObject build() {
            return new ResponseObject(id, createdAt, status, background, completedAt, error, incompleteDetails,
                    instructions, maxOutputTokens, maxToolCalls, metadata, model, output, parallelToolCalls,
                    presencePenalty, frequencyPenalty, previousResponseId, promptCacheKey, reasoning, safetyIdentifier, serviceTier, store, temperature,
                    text, toolChoice, tools, topLogprobs, topP, truncation, usage, user, conversation, batonSafety);
        }
    }
}
