package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/** A {@code message} item; string content is normalised into one text part when parsed. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"id", "type", "status", "role", "content"})
public record MessageItem(String id, String status, String role, List<ContentPart> content) implements Item {

    public static final String ASSISTANT = "assistant";

    public MessageItem {
        content = List.copyOf(content);
        status = status == null ? Item.COMPLETED : status; // every message item shows one; input has nothing pending
    }

    @JsonProperty("type")

    @Override
    public String type() {
        return "message";
    }

    @Override
    public MessageItem withId(String newId) {
        return new MessageItem(newId, status, role, content);
    }

    @Override
    public boolean fromModel() {
        return ASSISTANT.equals(role);
    }

    /** The concatenated text of all parts. */
    public String text() {
        if (content.size() == 1) {
            return content.get(0).text();
        }
        StringBuilder text = new StringBuilder();
        content.forEach(part -> text.append(part.text()));
        return text.toString();
    }

    @Override
    public int estimatedBytes() {
        int bytes = 96;
        for (ContentPart part : content) {
            bytes += 48 + 2 * part.text().length() + (part instanceof ContentPart.Opaque o ? 2 * o.jsonLength() : 0);
        }
        return bytes;
    }
}
