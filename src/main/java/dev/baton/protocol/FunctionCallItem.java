package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** A {@code function_call} the model made; {@code arguments} is a JSON string. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"id", "type", "status", "call_id", "name", "arguments"})
public record FunctionCallItem(String id, String status, String callId, String name, String arguments) implements Item {

    @JsonProperty("type")

    @Override
    public String type() {
        return "function_call";
    }

    public FunctionCallItem {
        status = status == null ? COMPLETED : status;
    }

    @Override
    public FunctionCallItem withId(String newId) {
        return new FunctionCallItem(newId, status, callId, name, arguments);
    }

    @Override
    public boolean fromModel() {
        return true;
    }

    @Override
    public int estimatedBytes() {
        return 128 + 2 * (callId.length() + name.length() + arguments.length());
    }
}
