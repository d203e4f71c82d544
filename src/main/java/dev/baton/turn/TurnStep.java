package dev.baton.turn;

import dev.baton.protocol.StreamEvent;
import dev.baton.session.StoredResponse;

/**
 * One step of a running turn: a streaming event, and on the terminal step the settled response.
 *
 * @param event   the event to send to the client
 * @param settled {@code null} except on the terminal step: the finished response as the tiers keep it
 *                (its context is {@code null} when nobody may continue from it)
 */
public record TurnStep(StreamEvent event, StoredResponse settled) {

    static TurnStep of(StreamEvent event) {
        return new TurnStep(event, null);
    }

    /** The response a later turn on the same connection may continue from, or {@code null}. */
    public StoredResponse continuable() {
        return settled != null && settled.context() != null ? settled : null;
    }
}
