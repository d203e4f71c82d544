package dev.baton.compaction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.events.UsageEvent;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.protocol.RequestParser;
import dev.baton.protocol.ResponseObject;
import dev.baton.session.Ids;
import dev.baton.session.StoredResponse;
import dev.baton.session.TenantId;
import dev.baton.turn.TurnPipeline;
import dev.baton.turn.TurnStep;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /v1/responses/compact}: one summarization turn on the engine over the conversation (the items of
 * {@code previous_response_id}'s chain and/or {@code input}), answered as OpenAI does — a {@code response.compaction}
 * whose {@code output} is the new input window: every user message of the conversation, verbatim and in order, then one
 * {@code compaction} item sealed by {@link CompactionSeal}. The turn runs like any other (tenant limits, safety on the
 * new input, usage events) and stores nothing; a client starts its next chain with the window plus its new items.
 */
@ApplicationScoped
public class Compactor {

    private static final Set<String> FIELDS = Set.of("model", "input", "instructions", "previous_response_id",
            "prompt_cache_key", "service_tier", "prompt_cache_retention", "prompt_cache_options");

    private final TurnPipeline pipeline;
    private final Summarizer summarizer;
    private final ObjectMapper json;
    private final Counter compactions;

    @Inject
    public Compactor(TurnPipeline pipeline, Summarizer summarizer, ObjectMapper json, MeterRegistry metrics) {
        this.pipeline = pipeline;
        this.summarizer = summarizer;
        this.json = json;
        this.compactions = Counter.builder("baton_compactions_total").tag("trigger", "compact_endpoint")
                .description("Turns that compacted their conversation: it passed their threshold, or they asked")
                .register(metrics);
    }

    /** The compacted window of {@code body}'s conversation, as the {@code response.compaction} object. */
    public Uni<ObjectNode> compact(TenantId tenant, JsonNode body) {
        return summarize(tenant, body).map(window -> {
            compactions.increment();
            ObjectNode compaction = json.createObjectNode();
            compaction.put("id", window.summary().id());
            compaction.put("object", "response.compaction");
            compaction.put("created_at", window.summary().createdAt());
            compaction.set("output", json.valueToTree(window.items()));
            compaction.set("usage", json.valueToTree(window.summary().usage()));
            return compaction;
        });
    }

    /** A compacted window: the items a new chain starts from, and the summarization turn that made it. */
    private record Window(List<Item> items, ResponseObject summary) {
    }

    private Uni<Window> summarize(TenantId tenant, JsonNode body) {
        ObjectNode create;
        try {
            create = summarizationRequest(body);
        } catch (RuntimeException refused) {
            return Uni.createFrom().failure(refused);
        }
        return Uni.createFrom().item(() -> {
                    summarizer.requireKey(); // before the engine writes a summary nobody could seal
                    return RequestParser.parse(create);
                })
                .flatMap(request -> pipeline.prepare(tenant, request, null, UsageEvent.HTTP))
                .flatMap(turn -> turn.steps().collect().last())
                .map(last -> window(tenant, last));
    }

    /** The request that has the engine summarize: the conversation, then the summarization prompt as a user message. */
    private ObjectNode summarizationRequest(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.invalidRequest(null, "invalid_type", "The request body must be a JSON object.").exception();
        }
        body.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                throw ApiError.invalidRequest(field, "unknown_parameter", "Unknown parameter: '" + field + "'.").exception();
            }
        });
        if (!body.hasNonNull("previous_response_id") && (!body.hasNonNull("input")
                || body.get("input").isArray() && body.get("input").isEmpty())) {
            throw ApiError.invalidRequest("input", "missing_required_parameter",
                    "Nothing to compact: send 'input' items, a 'previous_response_id', or both.").exception();
        }
        ObjectNode create = ((ObjectNode) body).deepCopy();
        create.put("store", false);
        create.remove(List.of("prompt_cache_retention", "prompt_cache_options"));
        ArrayNode input = json.createArrayNode();
        JsonNode given = body.get("input");
        if (given != null && given.isTextual()) {
            input.addObject().put("type", "message").put("role", "user").put("content", given.textValue());
        } else if (given != null && given.isArray()) {
            for (JsonNode item : given) {
                if (!"compaction_trigger".equals(item.path("type").asText())) { // compacting is what this call does
                    input.add(item);
                }
            }
        } else if (given != null && !given.isNull()) {
            throw ApiError.invalidRequest("input", "invalid_type",
                    "Invalid type for 'input': expected a string or an array of input items.").exception();
        }
        input.addObject().put("type", "message").put("role", "user").put("content", summarizer.prompt());
        create.set("input", input);
        return create;
    }

    private Window window(TenantId tenant, TurnStep last) {
        StoredResponse settled = last.settled();
        ResponseObject response = settled.response();
        if (!"completed".equals(response.status()) || settled.context() == null) {
            String why = response.error() != null ? response.error().message()
                    : "the engine ended the summary as '" + response.status() + "'";
            throw new ApiError(500, ApiError.SERVER_ERROR, "compaction_failed", null,
                    "The conversation could not be compacted: " + why).exception();
        }
        StringBuilder summary = new StringBuilder();
        for (Item item : response.output()) {
            if (item instanceof MessageItem message && MessageItem.ASSISTANT.equals(message.role())) {
                summary.append(message.text());
            }
        }
        if (summary.toString().isBlank()) {
            throw new ApiError(500, ApiError.SERVER_ERROR, "compaction_failed", null,
                    "The conversation could not be compacted: the engine wrote no summary.").exception();
        }
        List<Item> conversation = settled.context().items();
        List<Item> kept = new ArrayList<>(Summarizer.userMessages( // all of them, not the prompt
                conversation.subList(0, conversation.size() - 1 - response.output().size()), Long.MAX_VALUE));
        kept.add(summarizer.sealed(tenant, Ids.forItemType("compaction"), summary.toString()));
        return new Window(List.copyOf(kept), response);
    }
}
