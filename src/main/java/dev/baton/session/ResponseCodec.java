package dev.baton.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.Item;
import dev.baton.protocol.RequestParser;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.Usage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The persistent form of one finished turn — a delta record: the response object (with its output
 * items) and the input items the turn added. Encoded as the same JSON the API speaks and decoded
 * without reflection, so it works unchanged in the native image.
 */
public final class ResponseCodec {

    private final ObjectMapper json;

    public ResponseCodec(ObjectMapper json) {
        this.json = json;
    }

    public String encode(StoredResponse stored) {
        ObjectNode record = json.createObjectNode();
        record.set("response", json.valueToTree(stored.response()));
        record.set("input", json.valueToTree(stored.inputItems()));
        record.put("depth", stored.depth());
        if (stored.affinity() != null) {
            ObjectNode affinity = record.putObject("affinity");
            affinity.put("key", stored.affinity().key());
            affinity.put("endpoint", stored.affinity().endpoint());
        }
        try {
            return json.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode response " + stored.id(), e);
        }
    }

    /** The decoded delta: the response, its turn's input items, its depth and its chain's affinity. */
    public record Delta(ResponseObject response, List<Item> input, int depth, Affinity affinity) {
    }

    public Delta decode(String text) {
        try {
            JsonNode record = json.readTree(text);
            JsonNode affinity = record.get("affinity");
            return new Delta(response(record.get("response")), items(record.get("input"), "input"),
                    record.path("depth").asInt(1), isNull(affinity) ? null
                    : new Affinity(text(affinity.get("key")), text(affinity.get("endpoint"))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt response record: " + e.getOriginalMessage(), e);
        }
    }

    private static List<Item> items(JsonNode array, String path) {
        List<Item> items = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            items.add(RequestParser.parseItem(array.get(i), path + "[" + i + "]"));
        }
        return items;
    }

    private static ResponseObject response(JsonNode r) {
        Map<String, String> metadata = new LinkedHashMap<>();
        r.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        List<JsonNode> tools = new ArrayList<>();
        r.path("tools").forEach(tools::add);
        JsonNode error = r.get("error");
        JsonNode incomplete = r.get("incomplete_details");
        return new ResponseObject(
                r.get("id").asText(),
                r.get("created_at").asLong(),
                r.get("status").asText(),
                r.path("background").asBoolean(false),
                nullableLong(r.get("completed_at")),
                isNull(error) ? null : new ResponseObject.ResponseError(text(error.get("code")), text(error.get("message"))),
                isNull(incomplete) ? null : new ResponseObject.IncompleteDetails(text(incomplete.get("reason"))),
                text(r.get("instructions")),
                nullableInt(r.get("max_output_tokens")),
                nullableInt(r.get("max_tool_calls")),
                metadata,
                text(r.get("model")),
                items(r.get("output"), "output"),
                r.path("parallel_tool_calls").asBoolean(true),
                text(r.get("previous_response_id")),
                text(r.get("prompt_cache_key")),
                r.get("reasoning"),
                text(r.get("safety_identifier")),
                text(r.get("service_tier")),
                r.path("store").asBoolean(true),
                r.path("temperature").asDouble(1.0),
                r.get("text"),
                r.get("tool_choice"),
                tools,
                r.path("top_logprobs").asInt(0),
                r.path("top_p").asDouble(1.0),
                text(r.get("truncation")),
                usage(r.get("usage")),
                text(r.get("user")),
                isNull(r.get("conversation")) ? null : r.get("conversation"));
    }

    private static Usage usage(JsonNode u) {
        if (isNull(u)) {
            return null;
        }
        return Usage.of(u.path("input_tokens").asLong(), u.at("/input_tokens_details/cached_tokens").asLong(),
                u.path("output_tokens").asLong(), u.at("/output_tokens_details/reasoning_tokens").asLong());
    }

    private static boolean isNull(JsonNode node) {
        return node == null || node.isNull();
    }

    private static String text(JsonNode node) {
        return isNull(node) ? null : node.asText();
    }

    private static Long nullableLong(JsonNode node) {
        return isNull(node) ? null : node.asLong();
    }

    private static Integer nullableInt(JsonNode node) {
        return isNull(node) ? null : node.asInt();
    }
}
