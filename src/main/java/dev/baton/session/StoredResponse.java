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
