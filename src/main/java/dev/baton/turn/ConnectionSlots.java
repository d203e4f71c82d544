package dev.baton.turn;

import dev.baton.session.SlotDirectory;
import dev.baton.session.StoredResponse;
import java.util.HashMap;
import java.util.Map;

/**
 * The connection-local tier of state (PROTOCOL.md B §4): per lane, the materialized state of its latest
 * continuable response, so a continuation on the same connection needs no lookup at all — even of a
 * {@code store=false} response. A miss falls through to the shared tiers in {@link TurnPipeline#prepare}.
 * Not thread-safe: it belongs to one connection's event loop.
 */
public final class ConnectionSlots {

    private final Map<String, StoredResponse> latestByLane = new HashMap<>();
    private final SlotDirectory directory;

    /** @param directory where the replica's slots are listed (the console's inspector reads it) */
    public ConnectionSlots(SlotDirectory directory) {
        this.directory = directory;
    }

    /**
     * The slot holding {@code responseId}: the lane's own first, then any other lane's (a fork), or
     * {@code null} when no slot holds it.
     */
    public StoredResponse holding(String lane, String responseId) {
        if (responseId == null) {
            return null;
        }
        StoredResponse own = latestByLane.get(lane);
        if (own != null && own.id().equals(responseId)) {
            return own;
        }
        for (StoredResponse other : latestByLane.values()) {
            if (other.id().equals(responseId)) {
                return other;
            }
        }
        return null;
    }

    /** Whether {@code response} is the latest of {@code lane} (a continuation of the lane's own state). */
    public boolean isLatest(String lane, StoredResponse response) {
        return response != null && latestByLane.get(lane) == response;
    }

    /**
     * A turn on {@code lane} ended. A continuable result becomes the lane's latest; a failed continuation evicts
     * the response it continued from every lane (docs/websocket.md "A failed continuation evicts its parent": stale
     * state is never reused; a {@code store=true} parent is loaded again from the shared tiers).
     *
     * @param continued the slot the turn continued, or {@code null}
     * @param result    the continuable result, or {@code null} when the turn failed
     */
    public void settle(String lane, StoredResponse continued, StoredResponse result) {
        if (result != null) {
            directory.hold(result);
            StoredResponse replaced = latestByLane.put(lane, result);
            if (replaced != null) {
                directory.release(replaced);
            }
        } else if (continued != null) {
            evict(continued.id());
        }
    }

    /** Forgets {@code responseId} on every lane that holds it (a create continuing it was refused). */
    public void evict(String responseId) {
        if (responseId != null) {
            latestByLane.values().removeIf(held -> {
                if (held.id().equals(responseId)) {
                    directory.release(held);
                    return true;
                }
                return false;
            });
        }
    }

    public void clear() {
        latestByLane.values().forEach(directory::release);
        latestByLane.clear();
    }
}
