package dev.baton.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.Item;
import dev.baton.protocol.RequestParser;
import dev.baton.session.ChainStore;
import dev.baton.session.Ids;
import dev.baton.session.StoredResponse;
import dev.baton.session.TenantId;
import dev.baton.turn.ResponseQueries;
import dev.baton.turn.Steering;
import dev.baton.turn.Turn;
import dev.baton.turn.TurnPipeline;
import dev.baton.turn.TurnStep;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The Conversations API on Baton's chains. A conversation's items are the context of its head response; adding items
 * is an item-only turn ({@code generate: false}) on the head, a turn with {@code conversation} continues the head, and
 * deleting an item starts the chain again from the remaining items. Every change of items runs one at a time per
 * conversation ({@link ConversationLocks}) and moves the head with a compare-and-set, so two turns never interleave and
 * any replica continues from the latest one.
 */
@ApplicationScoped
public class Conversations {

    private static final Logger LOG = Logger.getLogger(Conversations.class);
    /** The model named by item-only turns; they never reach an engine. */
    static final String ITEMS_MODEL = "conversation-items";

    private final ConversationStore store;
    private final ChainStore chains;
    private final TurnPipeline pipeline;
    private final ObjectMapper json;
    private final ConversationLocks locks;
    private final Counter lostHeads;

    @Inject
    public Conversations(ConversationStore store, ChainStore chains, TurnPipeline pipeline,
                         ObjectMapper json, Vertx vertx, BatonConfig config, MeterRegistry metrics) {
        this.store = store;
        this.chains = chains;
        this.pipeline = pipeline;
        this.json = json;
        this.locks = new ConversationLocks(store, vertx, config.conversations().turnWait(),
                config.conversations().turnLease(), metrics);
        this.lostHeads = Counter.builder("baton_conversation_head_conflicts_total")
                .description("Turns that completed but could not become their conversation's head (it had moved or was deleted)")
                .register(metrics);
    }

    /** Creates a conversation, with its first items when {@code items} has any. */
    public Uni<Conversation> create(TenantId tenant, JsonNode items, Map<String, String> metadata) {
        Conversation empty = new Conversation(Ids.conversation(), tenant,
                Instant.now().getEpochSecond(), metadata, null);
        if (items == null || items.isNull() || items.isEmpty()) {
            return store.create(empty).replaceWith(empty);
        }
        return appendTurn(tenant, null, items).flatMap(head -> {
            Conversation created = empty.withHead(head.id());
            return store.create(created).replaceWith(created);
        });
    }

    public Uni<Conversation> get(TenantId tenant, String id) {
        return store.load(tenant, id).map(found -> {
            if (found == null) {
                throw notFound(id);
            }
            return found;
        });
    }

    public Uni<Conversation> updateMetadata(TenantId tenant, String id, Map<String, String> metadata) {
        return store.updateMetadata(tenant, id, metadata).flatMap(updated -> {
            if (!updated) {
                throw notFound(id);
            }
            return get(tenant, id);
        });
    }

    public Uni<Void> delete(TenantId tenant, String id) {
        return store.delete(tenant, id).map(deleted -> {
            if (!deleted) {
                throw notFound(id);
            }
            return null;
        });
    }

    /** The conversation's items, paged as the API pages lists. */
    public Uni<ResponseQueries.ItemPage> items(TenantId tenant, String id, int limit, boolean ascending, String after) {
        return get(tenant, id).flatMap(conversation -> itemsOf(conversation))
                .map(items -> ResponseQueries.page(items, limit, ascending, after));
    }

    public Uni<Item> item(TenantId tenant, String id, String itemId) {
        return get(tenant, id).flatMap(this::itemsOf).map(items -> items.stream()
                .filter(item -> itemId.equals(item.id())).findFirst()
                .orElseThrow(() -> ApiError.notFound("Item with id '" + itemId + "' not found.").exception()));
    }

    /** Appends {@code items} (as a JSON array of input items); answers the added items, with their ids. */
    public Uni<List<Item>> addItems(TenantId tenant, String id, JsonNode items) {
        if (items == null || !items.isArray() || items.isEmpty()) {
            return Uni.createFrom().failure(ApiError.invalidRequest("items", "missing_required_parameter",
                    "Missing required parameter: 'items' (a non-empty array of items).").exception());
        }
        return exclusively(tenant, id, conversation -> appendTurn(tenant, conversation.head(), items)
                .flatMap(head -> advance(conversation, head).replaceWith(head.inputItems())));
    }

    /** Removes one item: the conversation's chain starts again from the items that remain. */
    public Uni<Conversation> deleteItem(TenantId tenant, String id, String itemId) {
        return exclusively(tenant, id, conversation -> itemsOf(conversation).flatMap(items -> {
            List<Item> kept = new ArrayList<>(items);
            if (!kept.removeIf(item -> itemId.equals(item.id()))) {
                throw ApiError.notFound("Item with id '" + itemId + "' not found.").exception();
            }
            if (kept.isEmpty()) {
                return store.advance(conversation, null).replaceWith(conversation.withHead(null));
            }
            return appendTurn(tenant, null, json.valueToTree(kept))
                    .flatMap(head -> advance(conversation, head).replaceWith(conversation.withHead(head.id())));
        }));
    }

    /**
     * Prepares a turn: with {@code conversation}, on the conversation's latest response, one at a time, the head moving
     * to the turn's response when it completes; without, as the pipeline does.
     */
    public Uni<Turn> prepare(TenantId tenant, CreateResponseRequest request, StoredResponse held, String transport) {
        if (request.conversation() == null) {
            return pipeline.prepare(tenant, request, held, transport);
        }
        String id = request.conversation();
        AtomicBoolean settling = new AtomicBoolean(); // the terminal step came: the head's compare-and-set decides
        return locks.acquire(tenant, id).flatMap(lock -> get(tenant, id)
                .flatMap(conversation -> pipeline.prepare(tenant, request.continuing(conversation.head()), null, transport)
                        .map(turn -> new Turn(turn.response(), turn.fingerprint(), turn.traceId(),
                                stoppedWhenLost(lock, id, settling, turn.steps().onItem().invoke(step -> {
                                            if (step.settled() != null) {
                                                settling.set(true); // stored already: it may move the head now
                                            } else if (lock.lost()) {
                                                throw leaseLost(id);
                                            }
                                        })
                                        .onItem().call(step -> step.settled() == null ? Uni.createFrom().voidItem()
                                                : settle(conversation, step))
                                        .onTermination().invoke(lock::release)),
                                () -> {
                                    turn.abandon();
                                    lock.release();
                                }, Steering.NONE))) // as OpenAI: a conversation's responses are not steered
                .onFailure().invoke(lock::release)
                .onCancellation().invoke(lock::release)); // the client left before its turn existed
    }

    /**
     * The turn's steps, failed with {@code conversation_busy} the moment its lease is found lost — even while the engine
     * says nothing — which cancels the engine's stream; they end as they are once the turn released its lease, or once
     * its terminal step is settling (the head's compare-and-set decides then: a head that moved is never reported as
     * a conversation left unchanged).
     */
    private static Multi<TurnStep> stoppedWhenLost(ConversationLocks.Held lock, String id, AtomicBoolean settling,
                                                   Multi<TurnStep> steps) {
        Multi<TurnStep> lost = Uni.createFrom().completionStage(lock.ended())
                .onItem().transformToMulti(wasLost -> wasLost && !settling.get()
                        ? Multi.createFrom().<TurnStep>failure(leaseLost(id)) : Multi.createFrom().<TurnStep>empty());
        return Multi.createBy().merging().streams(steps, lost);
    }

    private Uni<Void> settle(Conversation conversation, TurnStep terminal) {
        StoredResponse settled = terminal.continuable();
        if (settled == null) {
            return Uni.createFrom().voidItem(); // a failed turn adds nothing to the conversation
        }
        return advance(conversation, settled);
    }

    private Uni<Void> advance(Conversation conversation, StoredResponse head) {
        return store.advance(conversation, head.id()).map(moved -> {
            if (!moved) {
                lostHeads.increment();
                LOG.warnf("conversation %s: response %s completed but the conversation had moved on or was deleted",
                        conversation.id(), head.id());
                // its client must not see it completed: the conversation does not hold it
                throw new ApiError(409, ApiError.INVALID_REQUEST, "conversation_busy", "conversation", "Conversation '"
                        + conversation.id() + "' moved on or was deleted while this turn ran; response '" + head.id()
                        + "' is stored but is not part of the conversation.").exception();
            }
            return null;
        });
    }

    private static RuntimeException leaseLost(String id) {
        return new ApiError(409, ApiError.INVALID_REQUEST, "conversation_busy", "conversation", "This turn lost its hold on"
                + " conversation '" + id + "' (its turn lease in Redis ran out or was taken) and was stopped; the"
                + " conversation is unchanged. Retry the turn.").exception();
    }

    private <T> Uni<T> exclusively(TenantId tenant, String id, java.util.function.Function<Conversation, Uni<T>> work) {
        return locks.acquire(tenant, id).flatMap(lock -> get(tenant, id).flatMap(conversation -> work.apply(conversation))
                .onTermination().invoke(lock::release));
    }

    /** An item-only turn: {@code items} appended to {@code head} (or a new chain), stored, never sent to an engine. */
    private Uni<StoredResponse> appendTurn(TenantId tenant, String head, JsonNode items) {
        ObjectNode body = json.createObjectNode();
        body.put("model", ITEMS_MODEL).put("generate", false).put("store", true);
        if (head != null) {
            body.put("previous_response_id", head);
        }
        body.set("input", items.isArray() ? items : json.createArrayNode().add(items));
        return Uni.createFrom().item(() -> RequestParser.parse(body))
                .flatMap(request -> pipeline.prepare(tenant, request, null, "http"))
                .flatMap(turn -> turn.steps().collect().last())
                .map(last -> {
                    if (last.continuable() == null) {
                        throw ApiError.internal("items").exception();
                    }
                    return last.continuable();
                });
    }

    private Uni<List<Item>> itemsOf(Conversation conversation) {
        if (conversation.head() == null) {
            return Uni.createFrom().item(List.of());
        }
        return chains.load(conversation.tenant(), conversation.head()).map(head -> {
            if (head == null || head.context() == null) {
                throw new ApiError(500, ApiError.SERVER_ERROR, "state_missing", null, "The items of conversation '"
                        + conversation.id() + "' are no longer stored (they expired or were deleted).").exception();
            }
            return head.context().items();
        });
    }

    private static ApiException notFound(String id) {
        return ApiError.notFound("Conversation with id '" + id + "' not found.").exception();
    }
}
