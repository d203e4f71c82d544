package dev.baton.turn;

import dev.baton.config.Offload;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.Item;
import dev.baton.protocol.ResponseObject;
import dev.baton.render.ItemRendering;
import dev.baton.render.RenderedContext;
import dev.baton.render.TokenCounter;
import dev.baton.session.ChainStore;
import dev.baton.session.StoredResponse;
import dev.baton.session.TenantId;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The read side of the HTTP surface: retrieve, delete, list input items, count input tokens. */
@ApplicationScoped
public class ResponseQueries {

    private final ChainStore store;
    private final Offload offload;

    public ResponseQueries(ChainStore store, Offload offload) {
        this.offload = offload;
        this.store = store;
    }

    public Uni<ResponseObject> get(TenantId tenant, String id) {
        return require(tenant, id).map(StoredResponse::response);
    }

    public Uni<Void> delete(TenantId tenant, String id) {
        return store.delete(tenant, id).map(deleted -> {
            if (!deleted) {
                throw ApiError.responseNotFound(id).exception();
            }
            return null;
        });
    }

    /**
     * One page of a response's input items: the items its request added (the turn's new input),
     * newest first by default, as the Responses API pages them.
     */
    public Uni<ItemPage> inputItems(TenantId tenant, String id, int limit, boolean ascending, String after) {
        return require(tenant, id).map(stored -> page(stored.inputItems(), limit, ascending, after));
    }

    /** Prompt tokens the request would cost: instructions, tools, the chain's items and the new input. */
    public Uni<Long> inputTokens(TenantId tenant, CreateResponseRequest request) {
        Uni<RenderedContext> base = request.previousResponseId() == null ? Uni.createFrom().item(RenderedContext.EMPTY)
                : store.load(tenant, request.previousResponseId()).map(parent -> {
                    if (parent == null || parent.context() == null) {
                        throw ApiError.previousResponseNotFound(request.previousResponseId()).exception();
                    }
                    return parent.context();
                });
        long bytes = 0;
        for (Item item : request.input()) {
            bytes += item.estimatedBytes();
        }
        long inputBytes = bytes;
        Context caller = Vertx.currentContext();
        return base.flatMap(context -> offload.run(inputBytes, caller, () -> {
            long tokens = context.tokens() + TokenCounter.count(request.instructions());
            for (var tool : request.tools()) {
                tokens += TokenCounter.count(tool.toString());
            }
            for (Item item : request.input()) {
                tokens += ItemRendering.tokens(item);
            }
            return tokens;
        }));
    }

    private Uni<StoredResponse> require(TenantId tenant, String id) {
        return store.load(tenant, id).map(stored -> {
            if (stored == null) {
                throw ApiError.responseNotFound(id).exception();
            }
            return stored;
        });
    }

    /** One page of {@code items}, as the API pages lists: newest first unless {@code ascending}, after an item id. */
    public static ItemPage page(List<Item> items, int limit, boolean ascending, String after) {
        List<Item> ordered = new ArrayList<>(items);
        if (!ascending) {
            Collections.reverse(ordered);
        }
        int from = 0;
        if (after != null) {
            int index = indexOf(ordered, after);
            if (index < 0) {
                throw ApiError.invalidRequest("after", "invalid_value",
                        "Invalid 'after': no item with id '" + after + "' in this list.").exception();
            }
            from = index + 1;
        }
        int to = Math.min(ordered.size(), from + limit);
        List<Item> data = ordered.subList(from, to);
        return new ItemPage(List.copyOf(data), to < ordered.size());
    }

    private static int indexOf(List<Item> items, String id) {
        for (int i = 0; i < items.size(); i++) {
            if (id.equals(items.get(i).id())) {
                return i;
            }
        }
        return -1;
    }

    /** A page of items and whether more follow. */
    public record ItemPage(List<Item> data, boolean hasMore) {
    }
}
