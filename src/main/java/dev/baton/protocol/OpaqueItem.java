package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Any other item type ({@code web_search_call}, {@code compaction}, {@code custom_tool_call}, ...),
 * carried through exactly as sent. The JSON belongs to this item and is never mutated;
 * {@code jsonLength} is its serialized size, measured once.
 */
@RegisterForReflection
public record OpaqueItem(String type, String id, @JsonValue ObjectNode json, int jsonLength) implements Item {

    public OpaqueItem(String type, String id, ObjectNode json) {
        this(type, id, json, json.toString().length());
    }

    @Override
    public OpaqueItem withId(String newId) {
        ObjectNode copy = json.deepCopy();
        copy.put("id", newId);
        return new OpaqueItem(type, newId, copy);
    }

    @Override
    public boolean fromModel() {
        return type.endsWith("_call") && !type.endsWith("_output");
    }

    /** The JSON without its id and status, i.e. what an engine would read. */
    public JsonNode content() {
        ObjectNode copy = json.deepCopy();
        copy.remove("id");
        copy.remove("status");
        return copy;
    }

    @Override
    public int estimatedBytes() {
        return 64 + 2 * jsonLength;
    }
}
