package dev.baton.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemCodec;
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

    /**
     * Reads a record back.
     *
     * @throws CorruptRecord when the text is not a record Baton wrote (a storage error, not the client's)
     */
    public Delta decode(String text) {
        try {
            JsonNode record = json.readTree(text);
            JsonNode affinity = record.get("affinity");
            return new Delta(response(record.get("response")), ItemCodec.decodeStored(record.get("input"), "input"),
                    record.path("depth").asInt(1), isNull(affinity) ? null
                    : new Affinity(text(affinity.get("key")), text(affinity.get("endpoint"))));
        } catch (JsonProcessingException e) {
            throw new CorruptRecord("not JSON: " + e.getOriginalMessage());
        } catch (ItemCodec.CorruptItem e) {
            throw new CorruptRecord(e.getMessage());
        } catch (RuntimeException e) {
            throw new CorruptRecord("unreadable record: " + e);
        }
    }

    /** Reads a checkpoint (the JSON array of a whole context's items). */
    public List<Item> decodeCheckpoint(String text) {
        try {
            return ItemCodec.decodeStored(json.readTree(text), "checkpoint");
        } catch (JsonProcessingException e) {
            throw new CorruptRecord("checkpoint is not JSON: " + e.getOriginalMessage());
        } catch (ItemCodec.CorruptItem e) {
            throw new CorruptRecord(e.getMessage());
        }
    }

    private static ResponseObject response(JsonNode r) {
        if (isNull(r) || isNull(r.get("id")) || isNull(r.get("status"))) {
            throw new CorruptRecord("the record holds no response with an id and a status");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        r.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        List<JsonNode> tools = new ArrayList<>();
        r.path("tools").forEach(tools::add);
        JsonNode error = r.get("error");
        JsonNode incomplete = r.get("incomplete_details");
        return ResponseObject.builder(r.get("id").asText(), r.path("created_at").asLong(), text(r.get("model")))
                .status(r.get("status").asText())
                .background(r.path("background").asBoolean(false))
                .completedAt(nullableLong(r.get("completed_at")))
                .error(isNull(error) ? null
                        : new ResponseObject.ResponseError(text(error.get("code")), text(error.get("message"))))
                .incompleteDetails(isNull(incomplete) ? null
                        : new ResponseObject.IncompleteDetails(text(incomplete.get("reason"))))
                .instructions(text(r.get("instructions")))
                .maxOutputTokens(nullableInt(r.get("max_output_tokens")))
                .maxToolCalls(nullableInt(r.get("max_tool_calls")))
                .metadata(metadata)
                .output(ItemCodec.decodeStored(r.get("output"), "output"))
                .parallelToolCalls(r.path("parallel_tool_calls").asBoolean(true))
                .presencePenalty(r.path("presence_penalty").asDouble(0))
                .frequencyPenalty(r.path("frequency_penalty").asDouble(0))
                .previousResponseId(text(r.get("previous_response_id")))
                .promptCacheKey(text(r.get("prompt_cache_key")))
                .reasoning(r.get("reasoning"))
                .safetyIdentifier(text(r.get("safety_identifier")))
                .serviceTier(text(r.get("service_tier")))
                .store(r.path("store").asBoolean(true))
                .temperature(r.path("temperature").asDouble(1.0))
                .text(r.get("text"))
                .toolChoice(r.get("tool_choice"))
                .tools(tools)
                .topLogprobs(r.path("top_logprobs").asInt(0))
                .topP(r.path("top_p").asDouble(1.0))
                .truncation(text(r.get("truncation")))
                .usage(usage(r.get("usage")))
                .user(text(r.get("user")))
                .conversation(isNull(r.get("conversation")) ? null : r.get("conversation"))
                .batonSafety(isNull(r.get("baton_safety")) ? null : r.get("baton_safety"))
                .build();
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

    /** A stored record or checkpoint that does not read back: the store holds something Baton did not write. */
    public static final class CorruptRecord extends RuntimeException {
        public CorruptRecord(String message) {
            super(message, null, false, false);
        }
    }
}
