package dev.baton.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.baton.protocol.JsonFields.invalidType;
import static dev.baton.protocol.JsonFields.invalidValue;
import static dev.baton.protocol.JsonFields.missing;
import static dev.baton.protocol.JsonFields.optString;
import static dev.baton.protocol.JsonFields.requireString;

/**
 * The one reading of conversation items, for what clients send and for what Baton stored (the same
 * JSON the API speaks). A client's mistake is a 400 naming the field; a stored item that does not
 * read back is {@link CorruptItem}, a storage error, never blamed on the client.
 */
public final class ItemCodec {

    private static final Set<String> ROLES = Set.of("user", "system", "developer", "assistant");

    private ItemCodec() {
    }

    /**
     * Parses one item as a client sent it.
     *
     * @param path where the item sits in the request ({@code input[3]}), named in the error
     * @throws ApiException a 400 naming the offending field
     */
    public static Item parse(JsonNode node, String path) {
        if (!node.isObject()) {
            throw invalidType(path, "an object", node);
        }
        String type = node.hasNonNull("type") ? requireString(node, "type", path) : "message";
        return switch (type) {
            case "message" -> parseMessage(node, path);
            case "function_call" -> new FunctionCallItem(optString(node, "id", path), optString(node, "status", path),
                    requireString(node, "call_id", path), requireString(node, "name", path),
                    requireString(node, "arguments", path));
            case "function_call_output" -> new FunctionCallOutputItem(optString(node, "id", path),
                    optString(node, "status", path), requireString(node, "call_id", path), parseToolOutput(node, path));
            case "reasoning" -> new ReasoningItem(optString(node, "id", path), optString(node, "status", path),
                    node.has("summary") ? node.get("summary") : null,
                    node.hasNonNull("content") ? node.get("content") : null,
                    optString(node, "encrypted_content", path));
            case "item_reference" -> new ItemReference(requireString(node, "id", path));
            case "compaction" -> new CompactionItem(optString(node, "id", path), requireString(node, "encrypted_content", path));
            default -> new OpaqueItem(type, optString(node, "id", path), (ObjectNode) node);
        };
    }

    private static MessageItem parseMessage(JsonNode node, String path) {
        String role = requireString(node, "role", path);
        if (!ROLES.contains(role)) {
            throw invalidValue(path + ".role", role, "'user', 'system', 'developer' and 'assistant'");
        }
        JsonNode content = node.get("content");
        String contentPath = path + ".content";
        if (content == null || content.isNull()) {
            throw missing(contentPath);
        }
        boolean assistant = MessageItem.ASSISTANT.equals(role);
        if (content.isTextual()) {
            ContentPart part = assistant ? ContentPart.Text.output(content.textValue())
                    : ContentPart.Text.input(content.textValue());
            return new MessageItem(optString(node, "id", path), optString(node, "status", path), role, List.of(part));
        }
        if (!content.isArray()) {
            throw invalidType(contentPath, "a string or an array of content parts", content);
        }
        List<ContentPart> parts = new ArrayList<>(content.size());
        for (int i = 0; i < content.size(); i++) {
            parts.add(parseContentPart(content.get(i), contentPath + "[" + i + "]"));
        }
        return new MessageItem(optString(node, "id", path), optString(node, "status", path), role, parts);
    }

    private static ContentPart parseContentPart(JsonNode part, String path) {
        if (!part.isObject()) {
            throw invalidType(path, "an object", part);
        }
        String type = requireString(part, "type", path);
        return switch (type) {
            case "input_text", "output_text" -> new ContentPart.Text(type, requireString(part, "text", path),
                    "output_text".equals(type) ? annotations(part) : null);
            case "refusal" -> new ContentPart.Text(type, requireString(part, "refusal", path), null);
            default -> new ContentPart.Opaque(type, part);
        };
    }

    private static List<JsonNode> annotations(JsonNode part) {
        JsonNode annotations = part.get("annotations");
        if (annotations == null || !annotations.isArray()) {
            return List.of();
        }
        List<JsonNode> list = new ArrayList<>();
        annotations.forEach(list::add);
        return list;
    }

    private static JsonNode parseToolOutput(JsonNode node, String path) {
        JsonNode output = node.get("output");
        if (output == null || output.isNull()) {
            throw missing(path + ".output");
        }
        if (!output.isTextual() && !output.isArray()) {
            throw invalidType(path + ".output", "a string or an array of content parts", output);
        }
        return output;
    }

    /**
     * Reads items Baton stored itself.
     *
     * @param where what holds them, named in the error ({@code record output}, {@code checkpoint})
     * @throws CorruptItem when the stored JSON is not an array of valid items
     */
    public static List<Item> decodeStored(JsonNode array, String where) {
        if (array == null || !array.isArray()) {
            throw new CorruptItem(where + " is not an array of items");
        }
        List<Item> items = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            try {
                items.add(parse(array.get(i), where + "[" + i + "]"));
            } catch (ApiException e) {
                throw new CorruptItem(e.error().message());
            }
        }
        return items;
    }

    /** A stored item that does not read back: the store holds something Baton did not write. */
    public static final class CorruptItem extends RuntimeException {
        public CorruptItem(String message) {
            super(message, null, false, false);
        }
    }
}
