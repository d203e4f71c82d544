package dev.baton.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.Secrets;
import dev.baton.conversation.Conversations;
import dev.baton.events.UsageEvent;
import dev.baton.events.UsageTally;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.FunctionCallOutputItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.protocol.ReasoningItem;
import dev.baton.protocol.ResponseObject;
import dev.baton.session.StoredResponse;
import dev.baton.session.TenantId;
import dev.baton.session.TieredChainStore;
import dev.baton.session.TieredChainStore.Located;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * The console's chain inspector: from a response id (or a conversation's head) back through its ancestors, each
 * response with where it lives now (this replica's hot cache, Redis), its items summarised, its usage, safety
 * verdicts, compaction points, steering and upstream affinity. Tenant-scoped exactly like the API: another tenant's
 * id answers as an unknown one. At most {@value #MAX_LIMIT} responses per page; {@code next} continues further back.
 */
@ApplicationScoped
public class ChainInspector {

    public static final int MAX_LIMIT = 100;
    /** Characters of an item's text shown. */
    static final int SUMMARY_CHARS = 160;
    /** Items of a response's input or output summarised; the rest are counted (a turn may carry 10,000 items). */
    static final int ITEMS_SHOWN = 20;

    private final TieredChainStore store;
    private final Conversations conversations;
    private final UsageTally usage;
    private final LiveFigures live;
    private final ReplicaIdentity replica;
    private final ObjectMapper json;

    public ChainInspector(TieredChainStore store, Conversations conversations, UsageTally usage, LiveFigures live,
                          ReplicaIdentity replica, ObjectMapper json) {
        this.store = store;
        this.conversations = conversations;
        this.usage = usage;
        this.live = live;
        this.replica = replica;
        this.json = json;
    }

    /**
     * The chain ending at {@code id} (a response, or a conversation's head) of {@code tenant}, newest first,
     * {@code limit} at most, as {@code viewer} may see it (upstream endpoints only for operators).
     */
    public Uni<ObjectNode> inspect(Viewer viewer, TenantId tenant, String id, int limit) {
        int bounded = Math.max(1, Math.min(limit, MAX_LIMIT));
        if (id.startsWith("conv_")) {
            return conversations.get(tenant, id).flatMap(conversation -> {
                if (conversation.head() == null) {
                    ObjectNode empty = page(tenant, id);
                    empty.put("conversation", id);
                    return Uni.createFrom().item(empty);
                }
                return walk(viewer, tenant, conversation.head(), bounded).map(found -> found.put("conversation", id));
            });
        }
        return walk(viewer, tenant, id, bounded);
    }

    private ObjectNode page(TenantId tenant, String id) {
        ObjectNode page = json.createObjectNode();
        page.put("object", "baton.chain").put("id", id).put("tenant", tenant.value())
                .put("replica", replica.replica()).put("state", replica.stateTier());
        page.putArray("responses");
        page.putNull("next");
        return page;
    }

    private Uni<ObjectNode> walk(Viewer viewer, TenantId tenant, String headId, int limit) {
        ObjectNode page = page(tenant, headId);
        ArrayNode responses = (ArrayNode) page.get("responses");
        List<String> newerIds = new ArrayList<>();
        return step(viewer, tenant, headId, limit, page, responses, newerIds).map(done -> {
            if (responses.isEmpty() && page.path("redis_unavailable").asBoolean()) {
                throw new ApiError(503, ApiError.SERVER_ERROR, "state_unavailable", null, "Redis is unreachable and"
                        + " this replica does not hold '" + headId + "'; retry shortly.").exception();
            }
            if (responses.isEmpty()) {
                throw ApiError.notFound("No response or conversation with id '" + headId + "' in this tenant.")
                        .exception();
            }
            return page;
        });
    }

    /** Loads one response, adds it, and goes on to its parent until {@code limit} or the chain's root. */
    private Uni<Boolean> step(Viewer viewer, TenantId tenant, String id, int left, ObjectNode page,
                              ArrayNode responses, List<String> newerIds) {
        if (left == 0) {
            page.put("next", id);
            return Uni.createFrom().item(true);
        }
        return store.locate(tenant, id).flatMap(located -> {
            if (located == null || located.response() == null) {
                if (located != null && located.redisUnavailable()) {
                    page.put("redis_unavailable", true);
                }
                if (!responses.isEmpty()) {
                    page.put("missing_ancestor", id); // expired, deleted, or store=false: the chain ends here
                }
                return Uni.createFrom().item(true);
            }
            String newer = newerIds.isEmpty() ? null : newerIds.get(newerIds.size() - 1);
            responses.add(describe(viewer, located, newer));
            newerIds.add(id);
            String parent = located.response().response().previousResponseId();
            if (parent == null) {
                return Uni.createFrom().item(true);
            }
            return step(viewer, tenant, parent, left - 1, page, responses, newerIds);
        });
    }

    private ObjectNode describe(Viewer viewer, Located located, String newerId) {
        StoredResponse stored = located.response();
        ResponseObject response = stored.response();
        ObjectNode node = json.createObjectNode();
        node.put("id", response.id()).put("status", response.status()).put("model", response.model())
                .put("created_at", response.createdAt()).put("depth", stored.depth())
                .put("previous_response_id", response.previousResponseId()).put("store", response.store())
                .put("background", response.background());
        if (response.incompleteDetails() != null) {
            node.put("incomplete_reason", response.incompleteDetails().reason());
        }
        if (response.error() != null) {
            node.put("error_code", response.error().code());
        }
        if (response.incompleteDetails() != null && "steered".equals(response.incompleteDetails().reason())) {
            node.put("steered_into", newerId);
        }
        ArrayNode tiers = node.putArray("lives_in");
        if (located.connectionSlots() > 0) {
            tiers.add("connection_slot");
            node.put("connection_slots", located.connectionSlots());
        }
        if (located.local() == Located.Tier.HOT) {
            tiers.add("hot_cache");
        }
        if (located.shared() == Located.Tier.REDIS) {
            tiers.add("redis");
        }
        if (located.redisUnavailable()) {
            node.put("redis", "unavailable");
        }
        node.set("input", summaries(stored.inputItems()));
        node.set("output", summaries(response.output()));
        boolean compacts = stored.inputItems().stream().anyMatch(CompactionItem.class::isInstance)
                || response.output().stream().anyMatch(CompactionItem.class::isInstance);
        node.put("compaction", compacts);
        if (response.usage() != null) {
            node.putObject("usage").put("input_tokens", response.usage().inputTokens())
                    .put("cached_tokens", response.usage().inputTokensDetails().cachedTokens())
                    .put("output_tokens", response.usage().outputTokens());
        }
        if (stored.context() != null) {
            node.put("context_tokens", stored.context().tokens());
            node.put("context_items", stored.context().size());
        }
        JsonNode safety = response.batonSafety();
        if (safety != null) {
            node.set("safety", safety);
        }
        if (stored.affinity() != null) {
            ObjectNode affinity = node.putObject("affinity").put("key", digestOf(stored.affinity().key()));
            if (viewer.seesEveryTenant()) { // an endpoint's name can be its upstream's host and port
                affinity.put("endpoint", stored.affinity().endpoint());
            }
        }
        UsageEvent turn = usage.recent(response.id());
        if (turn != null) {
            node.set("turn", live.turn(viewer, turn)); // served by this replica lately: transport, overhead, TTFT
        }
        return node;
    }

    /** The affinity key can be a client's {@code prompt_cache_key}: shown shortened, never whole. */
    private static String digestOf(String key) {
        if (key == null) {
            return null;
        }
        return key.length() <= 12 ? key : key.substring(0, 8) + "…";
    }

    private ArrayNode summaries(List<Item> items) {
        ArrayNode list = json.createArrayNode();
        for (Item item : items.subList(0, Math.min(items.size(), ITEMS_SHOWN))) {
            ObjectNode node = list.addObject().put("type", item.type()).put("id", item.id());
            node.put("text", summary(item, node));
        }
        if (items.size() > ITEMS_SHOWN) {
            list.addObject().put("type", "more").put("text", "… and " + (items.size() - ITEMS_SHOWN) + " more items");
        }
        return list;
    }

    /** The item's text, shortened; adds the fields that name it (role, function, call id) to {@code node}. */
    private static String summary(Item item, ObjectNode node) {
        if (item instanceof MessageItem message) {
            node.put("role", message.role());
            return text(message.content());
        }
        if (item instanceof FunctionCallItem call) {
            node.put("name", call.name()).put("call_id", call.callId());
            return shorten(call.arguments());
        }
        if (item instanceof FunctionCallOutputItem output) {
            node.put("call_id", output.callId());
            return shorten(outputText(output.output()));
        }
        if (item instanceof ReasoningItem) {
            return "(reasoning)";
        }
        if (item instanceof CompactionItem) {
            return "(sealed compaction summary)";
        }
        return "";
    }

    /** A tool output's text: its string, or its content parts' (never the whole JSON of a large output). */
    private static String outputText(JsonNode value) {
        if (value == null) {
            return "";
        }
        if (value.isTextual()) {
            return value.textValue();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : value) {
            if (text.length() > SUMMARY_CHARS) {
                break;
            }
            JsonNode piece = part.get("text");
            appendBounded(text, piece != null && piece.isTextual() ? piece.textValue() : "[" + part.path("type").asText("part") + "]");
        }
        return text.toString().strip();
    }

    private static String text(List<ContentPart> parts) {
        StringBuilder text = new StringBuilder();
        for (ContentPart part : parts) {
            if (text.length() > SUMMARY_CHARS) {
                break;
            }
            String piece = part.text();
            appendBounded(text, piece == null ? "[" + part.type() + "]" : piece);
        }
        return shorten(text.toString().strip());
    }

    /** Appends at most what a summary can show (a part may be megabytes). */
    private static void appendBounded(StringBuilder text, String piece) {
        int room = SUMMARY_CHARS + 1 - text.length();
        if (room > 0) {
            text.append(piece, 0, Math.min(piece.length(), room)).append(' ');
        }
    }

    private static String shorten(String text) {
        if (text == null) {
            return "";
        }
        String cut = text.length() > SUMMARY_CHARS ? text.substring(0, SUMMARY_CHARS) + "…" : text;
        return Secrets.redact(cut);
    }
}
