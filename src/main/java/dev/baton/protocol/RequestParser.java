package dev.baton.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.baton.protocol.JsonFields.invalidType;
import static dev.baton.protocol.JsonFields.invalidValue;
import static dev.baton.protocol.JsonFields.missing;
import static dev.baton.protocol.JsonFields.optString;
import static dev.baton.protocol.JsonFields.requireString;

/**
 * Turns a JSON body into a {@link CreateResponseRequest}, or fails with an {@link ApiException}
 * whose message and {@code param} name the offending field the way the OpenAI API does
 * ({@code invalid_type}, {@code invalid_value}, {@code missing_required_parameter}, ...).
 *
 * <p>The parser takes ownership of the tree it is given: JSON kept in the request (tools, opaque
 * items and parts) is the caller's freshly parsed tree, never copied again and never mutated after.
 *
 * <p>Policy (PROTOCOL.md Part A.3): unknown fields and the fields Baton does not interpret are
 * accepted and ignored; {@code background} is checked by the transport; {@code prompt} (server-side templates Baton
 * does not host) is rejected with a clear message.
 */
public final class RequestParser {

    private static final Pattern STREAM_ID = Pattern.compile("^[A-Za-z0-9_.-]{1,256}$");
    private static final Set<String> TRUNCATIONS = Set.of("auto", "disabled");
    private static final int MAX_METADATA_KEYS = 16;

    private RequestParser() {
    }

    public static CreateResponseRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw invalidType("", "an object", body);
        }
        rejectUnsupported(body, "prompt",
                "Baton does not host prompt templates; send 'instructions' and 'input' instead.");
        String previous = optString(body, "previous_response_id");
        List<Item> input = parseInput(body.get("input"));
        String model = optString(body, "model");
        if (model == null || model.isEmpty()) {
            throw missing("model");
        }
        return new CreateResponseRequest(
                model,
                input,
                optString(body, "instructions"),
                previous,
                optBoolean(body, "store", true),
                optBoolean(body, "stream", false),
                optBoolean(body, "background", false),
                optBoolean(body, "generate", true),
                optInt(body, "max_output_tokens", 1),
                optInt(body, "max_tool_calls", 0),
                parseMetadata(body.get("metadata")),
                optBooleanBoxed(body, "parallel_tool_calls"),
                optString(body, "prompt_cache_key"),
                optObject(body, "reasoning"),
                optString(body, "safety_identifier"),
                optString(body, "service_tier"),
                optNumber(body, "temperature", 0, 2),
                optObject(body, "text"),
                parseToolChoice(body.get("tool_choice")),
                parseTools(body.get("tools")),
                optIntInRange(body, "top_logprobs", 0, 20),
                optNumber(body, "top_p", 0, 1),
                optNumber(body, "presence_penalty", -2, 2),
                optNumber(body, "frequency_penalty", -2, 2),
                optEnum(body, "truncation", TRUNCATIONS),
                optString(body, "user"),
                parseInclude(body.get("include")),
                parseStreamId(body),
                parseConversation(body, previous),
                parseCompactThreshold(body.get("context_management")));
    }

    /**
     * {@code context_management}: {@code [{"type":"compaction","compact_threshold":N}]} with {@code N >= 1000} asks
     * for compaction when the context passes N tokens; {@code null} when absent.
     */
    private static Integer parseCompactThreshold(JsonNode management) {
        if (management == null || management.isNull()) {
            return null;
        }
        if (!management.isArray()) {
            throw invalidType("context_management", "an array", management);
        }
        Integer threshold = null;
        for (int i = 0; i < management.size(); i++) {
            JsonNode entry = management.get(i);
            String path = "context_management[" + i + "]";
            if (!entry.isObject()) {
                throw invalidType(path, "an object", entry);
            }
            String type = requireString(entry, "type", path);
            if (!"compaction".equals(type)) {
                throw invalidValue(path + ".type", type, "'compaction'");
            }
            JsonNode value = entry.get("compact_threshold");
            if (value == null || value.isNull()) {
                throw missing(path + ".compact_threshold");
            }
            if (!value.canConvertToInt() || !value.isIntegralNumber()) {
                throw invalidType(path + ".compact_threshold", "an integer", value);
            }
            if (value.asInt() < 1000) {
                throw ApiError.invalidRequest(path + ".compact_threshold", "integer_below_min_value", "Invalid '"
                        + path + ".compact_threshold': integer below minimum value. Expected a value >= 1000, but got "
                        + value.asInt() + " instead.").exception();
            }
            threshold = value.asInt();
        }
        return threshold;
    }

    /** {@code conversation}: an id, or {@code {"id": …}}; not with {@code previous_response_id} (OpenAI's rule). */
    private static String parseConversation(JsonNode body, String previous) {
        JsonNode conversation = body.get("conversation");
        if (conversation == null || conversation.isNull()) {
            return null;
        }
        String id = conversation.isObject() ? optString(conversation, "id", "conversation") : null;
        if (conversation.isTextual()) {
            id = conversation.textValue();
        } else if (id == null) {
            throw invalidType("conversation", "a conversation id or an object with 'id'", conversation);
        }
        if (!optBoolean(body, "store", true)) {
            throw ApiError.invalidRequest("store", "invalid_value", "A turn on a conversation is stored: it becomes part"
                    + " of the conversation. Use 'store': true (the default) with 'conversation'.").exception();
        }
        if (previous != null) {
            throw ApiError.invalidRequest("conversation", "mutually_exclusive_parameters", "Mutually exclusive"
                    + " parameters: 'conversation' and 'previous_response_id'. Ensure you are only providing one of them.")
                    .exception();
        }
        return id;
    }

    private static List<Item> parseInput(JsonNode input) {
        if (input == null || input.isNull()) {
            return List.of();
        }
        if (input.isTextual()) {
            return List.of(new MessageItem(null, null, "user", List.of(ContentPart.Text.input(input.textValue()))));
        }
        if (!input.isArray()) {
            throw invalidType("input", "a string or an array of input items", input);
        }
        List<Item> items = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            Item item = ItemCodec.parse(input.get(i), "input[" + i + "]");
            if (isCompactionTrigger(item) && i < input.size() - 1) {
                throw ApiError.invalidRequest("input[" + i + "]", "invalid_value",
                        "A 'compaction_trigger' item must be the final input item.").exception();
            }
            items.add(item);
        }
        return items;
    }

    /**
     * A {@code compaction_trigger} input item: compact the conversation now. Only as the final input item; the turn then
     * answers with the compaction item alone.
     */
    public static boolean isCompactionTrigger(Item item) {
        return item instanceof OpaqueItem opaque && "compaction_trigger".equals(opaque.type());
    }

    /** {@code metadata}: at most 16 string pairs, as the API allows; absent or null is none. */
    public static Map<String, String> parseMetadata(JsonNode metadata) {
        if (metadata == null || metadata.isNull()) {
            return Map.of();
        }
        if (!metadata.isObject()) {
            throw invalidType("metadata", "an object", metadata);
        }
        if (metadata.size() > MAX_METADATA_KEYS) {
            throw ApiError.invalidRequest("metadata", "object_above_max_properties",
                    "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got "
                            + metadata.size() + " instead.").exception();
        }
        Map<String, String> map = new LinkedHashMap<>();
        metadata.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw invalidType("metadata." + e.getKey(), "a string", e.getValue());
            }
            map.put(e.getKey(), e.getValue().textValue());
        });
        return map;
    }

    private static JsonNode parseToolChoice(JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        if (!choice.isTextual() && !choice.isObject()) {
            throw invalidType("tool_choice", "a string or an object", choice);
        }
        return choice;
    }

    private static List<JsonNode> parseTools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw invalidType("tools", "an array", tools);
        }
        List<JsonNode> list = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String path = "tools[" + i + "]";
            if (!tool.isObject()) {
                throw invalidType(path, "an object", tool);
            }
            String type = requireString(tool, "type", path);
            if ("function".equals(type)) {
                requireString(tool, "name", path);
            }
            list.add(tool);
        }
        return list;
    }

    private static List<String> parseInclude(JsonNode include) {
        if (include == null || include.isNull()) {
            return List.of();
        }
        if (!include.isArray()) {
            throw invalidType("include", "an array", include);
        }
        List<String> list = new ArrayList<>();
        for (int i = 0; i < include.size(); i++) {
            if (!include.get(i).isTextual()) {
                throw invalidType("include[" + i + "]", "a string", include.get(i));
            }
            list.add(include.get(i).textValue());
        }
        return list;
    }

    private static String parseStreamId(JsonNode body) {
        String streamId = optString(body, "stream_id");
        if (streamId != null && !STREAM_ID.matcher(streamId).matches()) {
            throw ApiError.invalidRequest("stream_id", "invalid_stream_id",
                    "Invalid 'stream_id': expected 1 to 256 characters of [A-Za-z0-9_.-]; omit it to use the default lane.")
                    .exception();
        }
        return streamId;
    }

    private static void rejectUnsupported(JsonNode body, String field, String why) {
        if (body.hasNonNull(field)) {
            throw ApiError.invalidRequest(field, "unsupported_parameter", "Unsupported parameter: '" + field + "'. " + why)
                    .exception();
        }
    }

    // --- typed field readers; each names the exact param on failure ---

    private static boolean optBoolean(JsonNode node, String field, boolean fallback) {
        Boolean value = optBooleanBoxed(node, field);
        return value == null ? fallback : value;
    }

    private static Boolean optBooleanBoxed(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw invalidType(field, "a boolean", value);
        }
        return value.booleanValue();
    }

    private static Integer optInt(JsonNode node, String field, int min) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw invalidType(field, "an integer", value);
        }
        int number = value.intValue();
        if (number < min) {
            throw ApiError.invalidRequest(field, "integer_below_min_value", "Invalid '" + field
                    + "': integer below minimum value. Expected a value >= " + min + ", but got " + number
                    + " instead.").exception();
        }
        return number;
    }

    private static Integer optIntInRange(JsonNode node, String field, int min, int max) {
        Integer number = optInt(node, field, min);
        if (number != null && number > max) {
            throw ApiError.invalidRequest(field, "integer_above_max_value", "Invalid '" + field
                    + "': integer above maximum value. Expected a value <= " + max + ", but got " + number
                    + " instead.").exception();
        }
        return number;
    }

    private static Double optNumber(JsonNode node, String field, double min, double max) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw invalidType(field, "a decimal", value);
        }
        double number = value.doubleValue();
        if (number < min || number > max) {
            throw ApiError.invalidRequest(field, number < min ? "decimal_below_min_value" : "decimal_above_max_value",
                    "Invalid '" + field + "': expected a value between " + min + " and " + max + ", but got "
                            + value + " instead.").exception();
        }
        return number;
    }

    private static JsonNode optObject(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw invalidType(field, "an object", value);
        }
        return value;
    }

    private static String optEnum(JsonNode node, String field, Set<String> allowed) {
        String value = optString(node, field);
        if (value != null && !allowed.contains(value)) {
            throw invalidValue(field, value, "'auto' and 'disabled'");
        }
        return value;
    }
}
