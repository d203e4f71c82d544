package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * A Responses streaming event (PROTOCOL.md B §3): the JSON of an SSE {@code data:} line and,
 * unchanged, of a WebSocket text frame. {@code sequence_number} counts from 0 within one response.
 */
public sealed interface StreamEvent {

    String type();

    int sequenceNumber();

    /** True for {@code response.completed}, {@code response.failed} and {@code response.incomplete}. */
    default boolean terminal() {
        return false;
    }

    /** {@code response.created|in_progress|completed|failed|incomplete}. */
    @RegisterForReflection
    @JsonPropertyOrder({"type", "sequence_number", "response"})
    record Lifecycle(String type, int sequenceNumber, ResponseObject response) implements StreamEvent {
        public static final String CREATED = "response.created";
        public static final String IN_PROGRESS = "response.in_progress";

        public static Lifecycle terminal(int sequenceNumber, ResponseObject response) {
            return new Lifecycle("response." + response.status(), sequenceNumber, response);
        }

        @Override
        public boolean terminal() {
            return !CREATED.equals(type) && !IN_PROGRESS.equals(type);
        }
    }

    /** {@code response.output_item.added|done}. */
    @RegisterForReflection
    @JsonPropertyOrder({"type", "sequence_number", "output_index", "item"})
    record OutputItem(String type, int sequenceNumber, int outputIndex, Item item) implements StreamEvent {
        public static OutputItem added(int seq, int outputIndex, Item item) {
            return new OutputItem("response.output_item.added", seq, outputIndex, item);
        }

        public static OutputItem done(int seq, int outputIndex, Item item) {
            return new OutputItem("response.output_item.done", seq, outputIndex, item);
        }
    }

    /**
     * {@code response.compaction.compacting}: the engine sampled more of a compaction's summary. Carries no summary
     * content; the compaction item follows when the summary is sealed.
     */
    @RegisterForReflection
    @JsonPropertyOrder({"type", "sequence_number", "item_id", "output_index"})
    record Compacting(int sequenceNumber, String itemId, int outputIndex) implements StreamEvent {
        @JsonProperty("type")
        @Override
        public String type() {
            return "response.compaction.compacting";
        }
    }

    /** {@code response.content_part.added|done}. */
    @RegisterForReflection
    @JsonPropertyOrder({"type", "sequence_number", "item_id", "output_index", "content_index", "part"})
    record ContentPartEvent(String type, int sequenceNumber, String itemId, int outputIndex, int contentIndex,
                            ContentPart part) implements StreamEvent {
    }

    /** {@code response.output_text.delta}. */
    @RegisterForReflection
    @JsonPropertyOrder({"type", "sequence_number", "item_id", "output_index", "content_index", "delta", "logprobs"})
    record OutputTextDelta(int sequenceNumber, String itemId, int outputIndex, int contentIndex, String delta,
                           List<JsonNode> logprobs) implements StreamEvent {
        @JsonProperty("type")
        @Override
        public String type() {
            return "response.output_text.delta";
        }
    }

    /** {@code response.output_text.done}. */
    @RegisterForReflection
    @JsonPropertyOrder({"type", "sequence_number", "item_id", "output_index", "content_index", "text", "logprobs"})
    record OutputTextDone(int sequenceNumber, String itemId, int outputIndex, int contentIndex, String text,
                          List<JsonNode> logprobs) implements StreamEvent {
        @JsonProperty("type")
        @Override
        public String type() {
            return "response.output_text.done";
        }
    }

    /** {@code response.function_call_arguments.delta}. */
    @RegisterForReflection
    @JsonPropertyOrder({"type", "sequence_number", "item_id", "output_index", "delta"})
    record FunctionCallArgumentsDelta(int sequenceNumber, String itemId, int outputIndex, String delta)
            implements StreamEvent {
        @JsonProperty("type")
        @Override
        public String type() {
            return "response.function_call_arguments.delta";
        }
    }

    /** {@code response.function_call_arguments.done}. */
    @RegisterForReflection
    @JsonPropertyOrder({"type", "sequence_number", "item_id", "output_index", "name", "arguments"})
    record FunctionCallArgumentsDone(int sequenceNumber, String itemId, int outputIndex, String name,
                                     String arguments) implements StreamEvent {
        @JsonProperty("type")
        @Override
        public String type() {
            return "response.function_call_arguments.done";
        }
    }

    /** {@code response.reasoning_text.delta|done}: {@code delta} on the deltas, {@code text} on the done. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "sequence_number", "item_id", "output_index", "content_index", "delta", "text"})
    record ReasoningText(String type, int sequenceNumber, String itemId, int outputIndex, int contentIndex,
                         String delta, String text) implements StreamEvent {
        public static ReasoningText delta(int seq, String itemId, int outputIndex, String delta) {
            return new ReasoningText("response.reasoning_text.delta", seq, itemId, outputIndex, 0, delta, null);
        }

        public static ReasoningText done(int seq, String itemId, int outputIndex, String text) {
            return new ReasoningText("response.reasoning_text.done", seq, itemId, outputIndex, 0, null, text);
        }
    }

    /**
     * {@code error} inside a stream: the nested {@code error} object, with {@code code} and
     * {@code message} mirrored at the top level for clients that read the flat OAS shape.
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyOrder({"type", "sequence_number", "code", "message", "param", "error"})
    record Error(int sequenceNumber, String code, String message, String param, ErrorBody error) implements StreamEvent {
        public static Error of(int sequenceNumber, ApiError error) {
            return new Error(sequenceNumber, error.code(), error.message(), error.param(), ErrorBody.of(error));
        }

        @JsonProperty("type")

        @Override
        public String type() {
            return "error";
        }

        @Override
        public boolean terminal() {
            return true;
        }
    }

    /**
     * {@code response.steer.accepted} (WebSocket mode): a {@code response.steer} reached the running response, which now
     * ends {@code steered}; numbered in that response's sequence.
     */
    @RegisterForReflection
    @JsonPropertyOrder({"type", "sequence_number", "steer"})
    record SteerAccepted(int sequenceNumber, Steer steer) implements StreamEvent {

        /** The accepted submission: its id and the response it steers. */
        @RegisterForReflection
        @JsonPropertyOrder({"id", "previous_response_id"})
        public record Steer(String id, @JsonProperty("previous_response_id") String previousResponseId) {
        }

        @JsonProperty("type")
        @Override
        public String type() {
            return "response.steer.accepted";
        }
    }

    /**
     * An event another replica produced, relayed as it was written (a background response's stream read from Redis):
     * its JSON is sent unchanged.
     */
    @RegisterForReflection
    record Relayed(String type, int sequenceNumber, @com.fasterxml.jackson.annotation.JsonValue JsonNode json)
            implements StreamEvent {

        public static Relayed of(JsonNode json) {
            return new Relayed(json.path("type").asText(), json.path("sequence_number").asInt(), json);
        }

        @Override
        public boolean terminal() {
            return type.equals("response.completed") || type.equals("response.failed")
                    || type.equals("response.incomplete") || type.equals("response.cancelled") || type.equals("error");
        }
    }
}
