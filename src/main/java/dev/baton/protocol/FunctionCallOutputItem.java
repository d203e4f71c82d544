package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** A {@code function_call_output}; {@code output} is a JSON string or an array of content parts. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"id", "type", "status", "call_id", "output"})
public record FunctionCallOutputItem(String id, String status, String callId, JsonNode output) implements Item {

    @JsonProperty("type")

    @Override
    public String type() {
        return "function_call_output";
    }

    public FunctionCallOutputItem {
        status = status == null ? COMPLETED : status;
    }

    @Override
    public FunctionCallOutputItem withId(String newId) {
        return new FunctionCallOutputItem(newId, status, callId, output);
    }

    /** The output as the model reads it. */
    public String outputText() {
        return output.isTextual() ? output.textValue() : output.toString();
    }

    @Override
    public int estimatedBytes() {
        return 96 + 2 * (callId.length() + outputText().length());
    }
}
