package dev.baton.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A {@code response.steer} event (PROTOCOL.md Part A §2.2): user input queued for the response named by
 * {@code previous_response_id}, running on this connection. Only {@code type}, {@code previous_response_id} and
 * {@code input} are accepted; the input is a string or a non-empty array of user messages whose content is a string or
 * {@code input_text}, {@code input_image} and {@code input_file} parts.
 *
 * @param id                 the steer's id ({@code steer_…}), assigned once it is accepted; {@code null} before
 * @param previousResponseId the response being steered
 * @param input              the input as items, as the successor receives it
 * @param sent               the input exactly as the client sent it, returned when it cannot be committed
 * @param bytes              the frame's size, held against the connection's inbound budget while the steer is queued
 */
public record SteerRequest(String id, String previousResponseId, List<Item> input, JsonNode sent, long bytes) {

    private static final Set<String> EVENT_FIELDS = Set.of("type", "previous_response_id", "input");
    private static final Set<String> MESSAGE_FIELDS = Set.of("type", "role", "content");
    private static final Set<String> PART_TYPES = Set.of("input_text", "input_image", "input_file");

    /** A steer refused before it was queued: {@code code} is one of {@code ResponseSteerErrorCode}. */
    public static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** The same steer with its id, once accepted. */
    public SteerRequest withId(String steerId) {
        return new SteerRequest(steerId, previousResponseId, input, sent, bytes);
    }

    /**
     * Reads a {@code response.steer} event.
     *
     * @throws Invalid with a message that says what to fix ({@code invalid_input})
     */
    public static SteerRequest parse(JsonNode event, long bytes) {
        for (Iterator<String> fields = event.fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            if (!EVENT_FIELDS.contains(field)) {
                throw new Invalid("response.steer accepts only 'type', 'previous_response_id' and 'input'; remove '"
                        + field + "'" + ("stream_id".equals(field) ? " (the steered response's lane is used)." : "."));
            }
        }
        JsonNode previous = event.get("previous_response_id");
        if (previous == null || !previous.isTextual() || previous.textValue().isEmpty()) {
            throw new Invalid("response.steer needs 'previous_response_id': the id of the response to steer.");
        }
        JsonNode input = event.get("input");
        return new SteerRequest(null, previous.textValue(), items(input), input, bytes);
    }

    private static List<Item> items(JsonNode input) {
        if (input != null && input.isTextual()) {
            if (input.textValue().isEmpty()) {
                throw new Invalid("'input' must not be empty.");
            }
            return List.of(new MessageItem(null, null, "user", List.of(ContentPart.Text.input(input.textValue()))));
        }
        if (input == null || !input.isArray() || input.isEmpty()) {
            throw new Invalid("'input' must be a string or a non-empty array of user messages.");
        }
        List<Item> items = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            items.add(message(input.get(i), "input[" + i + "]"));
        }
        return items;
    }

    private static Item message(JsonNode message, String path) {
        if (!message.isObject()) {
            throw new Invalid("'" + path + "' must be a user message object.");
        }
        for (Iterator<String> fields = message.fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            if (!MESSAGE_FIELDS.contains(field)) {
                throw new Invalid("'" + path + "' may hold only 'type', 'role' and 'content'; remove '" + field + "'.");
            }
        }
        JsonNode type = message.get("type");
        if (type != null && !"message".equals(type.asText())) {
            throw new Invalid("'" + path + "' is a '" + type.asText() + "': steering accepts only user messages.");
        }
        if (!"user".equals(message.path("role").asText())) {
            throw new Invalid("'" + path + ".role' must be 'user': steering accepts only user messages.");
        }
        JsonNode content = message.get("content");
        if (content == null || !(content.isTextual() || content.isArray() && !content.isEmpty())) {
            throw new Invalid("'" + path + ".content' must be a string or a non-empty array of content parts.");
        }
        if (content.isArray()) {
            for (int p = 0; p < content.size(); p++) {
                String partType = content.get(p).path("type").asText();
                if (!PART_TYPES.contains(partType)) {
                    throw new Invalid("'" + path + ".content[" + p + "]' is '" + partType
                            + "': steering accepts input_text, input_image and input_file parts.");
                }
            }
        }
        try {
            return ItemCodec.parse(message, path);
        } catch (ApiException invalid) {
            throw new Invalid(invalid.error().message());
        }
    }
}
