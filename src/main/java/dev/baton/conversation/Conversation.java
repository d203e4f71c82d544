package dev.baton.conversation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.session.TenantId;
import java.util.Map;

/**
 * A conversation: a chain in Baton's terms. Its items are the context of its {@code head}, the latest response of the
 * chain (a turn, or the item-only turn that added items), so it shares the chain's rendered context and tiers.
 *
 * @param head the latest response of the conversation's chain, or {@code null} while it has no items
 */
public record Conversation(String id, TenantId tenant, long createdAt, Map<String, String> metadata, String head) {

    public Conversation {
        metadata = Map.copyOf(metadata);
    }

    Conversation withHead(String newHead) {
        return new Conversation(id, tenant, createdAt, metadata, newHead);
    }

    Conversation withMetadata(Map<String, String> newMetadata) {
        return new Conversation(id, tenant, createdAt, newMetadata, head);
    }

    /** The API object: {@code {"id","object":"conversation","created_at","metadata"}}. */
    public ObjectNode toJson(ObjectMapper json) {
        ObjectNode node = json.createObjectNode();
        node.put("id", id).put("object", "conversation").put("created_at", createdAt);
        node.set("metadata", json.valueToTree(metadata));
        return node;
    }
}
