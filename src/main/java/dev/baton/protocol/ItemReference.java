package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** An {@code item_reference} in a request; the pipeline replaces it with the referenced item. */
@RegisterForReflection
@JsonPropertyOrder({"type", "id"})
public record ItemReference(String id) implements Item {

    @JsonProperty("type")

    @Override
    public String type() {
        return "item_reference";
    }

    @Override
    public ItemReference withId(String newId) {
        return new ItemReference(newId);
    }

    @Override
    public int estimatedBytes() {
        return 64;
    }
}
