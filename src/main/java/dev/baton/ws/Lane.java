package dev.baton.ws;

import dev.baton.protocol.CreateResponseRequest;
import java.util.ArrayDeque;

/**
 * One ordered lane of a connection: the default lane ({@code streamId == null}) or a named
 * {@code stream_id}. Creates run one at a time in arrival order ({@link LaneScheduler}).
 */
final class Lane {

    final String streamId;
    final ArrayDeque<CreateResponseRequest> pending = new ArrayDeque<>();
    boolean busy;
    boolean waitingForCapacity;
    /** Message bytes the running create holds ({@link InboundAccount}), given back when it ends. */
    long runningBytes;

    Lane(String streamId) {
        this.streamId = streamId;
    }

    /** The lane's key in maps: its name, or {@code ""} for the default lane. */
    String key() {
        return key(streamId);
    }

    static String key(String streamId) {
        return streamId == null ? "" : streamId;
    }
}
