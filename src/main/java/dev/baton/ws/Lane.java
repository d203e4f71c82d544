package dev.baton.ws;

import dev.baton.protocol.CreateResponseRequest;
import dev.baton.session.StoredResponse;
import java.util.ArrayDeque;

/**
 * One ordered lane of a connection: the default lane ({@code streamId == null}) or a named
 * {@code stream_id}. Creates run one at a time in arrival order; {@link #latest} is the lane's
 * connection slot — the materialized state of its latest continuable response.
 */
final class Lane {

    final String streamId;
    final ArrayDeque<CreateResponseRequest> pending = new ArrayDeque<>();
    StoredResponse latest;
    boolean busy;
    boolean waitingForCapacity;

    Lane(String streamId) {
        this.streamId = streamId;
    }
}
