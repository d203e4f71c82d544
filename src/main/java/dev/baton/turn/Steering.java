package dev.baton.turn;

import dev.baton.protocol.SteerRequest;

/** How a transport steers a running turn (WebSocket mode, {@code response.steer}). */
@FunctionalInterface
public interface Steering {

    /** A turn that cannot be stopped by a steer (HTTP, SSE, warm-ups, compacting turns). */
    Steering NONE = steer -> false;

    /**
     * Stops the turn for {@code steer} at the next safe boundary — now, between two engine events, or before the engine
     * says anything — when it still can: the turn then emits {@code response.steer.accepted}, closes its open item and
     * ends {@code incomplete} with reason {@code steered}, and the engine's stream is cancelled.
     *
     * @return {@code false} when the turn will not stop for it: the engine already finished, or the response holds a
     *         function call (it then completes and waits for the tool output); the caller keeps the steer for after
     */
    boolean stopFor(SteerRequest steer);
}
