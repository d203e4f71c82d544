package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** A {@code reasoning} item; its summary and content are carried as sent. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"id", "type", "status", "summary", "content", "encrypted_content"})
public record ReasoningItem(String id, String status, JsonNode summary, JsonNode content, String encryptedContent)
        implements Item {

    @JsonProperty("type")

    @Override
    public String type() {
        return "reasoning";
    }

    @Override
    public ReasoningItem withId(String newId) {
        return new ReasoningItem(newId, status, summary, content, encryptedContent);
    }

    @Override
    public boolean fromModel() {
        return true;
    }

    @Override
    public int estimatedBytes() {
        return 96 + 2 * (String.valueOf(summary).length() + String.valueOf(content).length()
                + (encryptedContent == null ? 0 : encryptedContent.length()));
    }
}
