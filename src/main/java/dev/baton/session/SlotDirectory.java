package dev.baton.session;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which responses the WebSocket connections of this replica hold in their connection slots (the first state tier),
 * for the console's inspector — {@code store=false} responses live nowhere else. Bounded by the slots themselves: an
 * entry lives exactly as long as some slot holds its response. One map update when a slot changes, never a lookup on
 * a turn's path.
 */
@ApplicationScoped
public class SlotDirectory {

    private record Held(StoredResponse response, int slots) {
    }

    private final Map<String, Held> byId = new ConcurrentHashMap<>();

    /** A slot took {@code response}. */
    public void hold(StoredResponse response) {
        byId.compute(response.id(), (id, held) -> held == null ? new Held(response, 1)
                : new Held(held.response(), held.slots() + 1));
    }

    /** A slot let {@code response} go. */
    public void release(StoredResponse response) {
        byId.computeIfPresent(response.id(), (id, held) -> held.slots() <= 1 ? null
                : new Held(held.response(), held.slots() - 1));
    }

    /** The response of {@code tenant} some slot of this replica holds, or {@code null}. */
    public StoredResponse held(TenantId tenant, String responseId) {
        Held held = byId.get(responseId);
        return held == null || !held.response().tenant().equals(tenant) ? null : held.response();
    }

    /** How many connection slots of this replica hold the response (0 when none, or another tenant's). */
    public int slotsHolding(TenantId tenant, String responseId) {
        Held held = byId.get(responseId);
        return held == null || !held.response().tenant().equals(tenant) ? 0 : held.slots();
    }
}
