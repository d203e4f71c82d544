package dev.baton.turn;

import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.StreamEvent;
import io.smallrye.mutiny.Multi;

/**
 * A prepared turn: its state was resolved and its input rendered; {@link #steps()} runs it.
 *
 * @param response    the in-progress response (id, echoed settings)
 * @param fingerprint the context fingerprint of what the engine receives
 * @param traceId     the turn's OpenTelemetry trace id, or {@code null} when tracing is off
 * @param steps       the turn's events, {@code response.created} first and one terminal step last, which
 *                    carries the response as the tiers keep it; subscribe once. A {@code store=true}
 *                    response is saved before its terminal step.
 * @param release     frees what admitting the turn took; every ending of {@code steps} does it too
 * @param steering    how a {@code response.steer} stops it ({@link Steering#NONE} where it cannot)
 */
public record Turn(ResponseObject response, String fingerprint, String traceId, Multi<TurnStep> steps,
                   Runnable release, Steering steering) {

    /** A turn whose transport went away before running it: frees what admitting it took (the engine never ran). */
    public void abandon() {
        release.run();
    }

    /** The streaming events alone, for transports that need no settled state. */
    public Multi<StreamEvent> events() {
        return steps.map(TurnStep::event);
    }
}
