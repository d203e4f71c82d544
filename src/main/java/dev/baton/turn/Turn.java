package dev.baton.turn;

import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.StreamEvent;
import dev.baton.session.StoredResponse;
import io.smallrye.mutiny.Multi;
import java.util.concurrent.CompletableFuture;

/**
 * A prepared turn: its state was resolved and its input rendered; {@link #events()} runs it.
 *
 * @param response    the in-progress response (id, echoed settings)
 * @param fingerprint the context fingerprint of what the engine receives
 * @param events      the streaming events, {@code response.created} first and a terminal event last;
 *                    subscribe once. A {@code store=true} response is saved before its terminal event.
 * @param finished    filled when the terminal event is emitted: the response as the tiers keep it
 */
public record Turn(ResponseObject response, String fingerprint, Multi<StreamEvent> events,
                   CompletableFuture<StoredResponse> finished) {
}
