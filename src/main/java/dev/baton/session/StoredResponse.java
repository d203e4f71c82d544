package dev.baton.session;

import dev.baton.protocol.Item;
import dev.baton.protocol.ResponseObject;
import dev.baton.render.RenderedContext;
import java.util.List;

/**
 * A finished response as the state tiers keep it: immutable, owned by one tenant.
 *
 * @param inputItems the items this turn added (ids assigned, references resolved)
 * @param context    everything a continuation starts from: the chain's items, this turn's input and
 *                   output; shared with its ancestors and descendants, never copied
 * @param depth       1 for a response without parent, else the parent's depth + 1
 * @param weightBytes the bytes of this response's own objects and turn items (the hot cache adds the
 *                    context it carries, see {@link HotCache})
 * @param affinity    the chain's upstream routing key and home endpoint, or {@code null} (simulator)
 */
public record StoredResponse(TenantId tenant, ResponseObject response, List<Item> inputItems,
                             RenderedContext context, int depth, int weightBytes, Affinity affinity) {

    public StoredResponse {
        inputItems = List.copyOf(inputItems);
    }

    public String id() {
        return response.id();
    }

    /**
     * The response whose stored record this one's extends, or {@code null} for the root of a chain. It is the
     * {@code previous_response_id}, except for a turn that started a new chain on a compacted window (depth 1): that
     * one still names its parent for the client, but carries its whole context itself.
     */
    public String chainParentId() {
        return depth <= 1 ? null : response.previousResponseId();
    }

    public static StoredResponse of(TenantId tenant, ResponseObject response, List<Item> inputItems,
                                    RenderedContext context, int depth, Affinity affinity) {
        int bytes = 512;
        for (Item item : inputItems) {
            bytes += item.estimatedBytes() + 64;
        }
        for (Item item : response.output()) {
            bytes += item.estimatedBytes() + 64;
        }
        return new StoredResponse(tenant, response, inputItems, context, depth, bytes, affinity);
    }
}
