package dev.baton.ws;

import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.Item;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.SteerRequest;
import dev.baton.turn.Steering;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one connection knows about steering (PROTOCOL.md Part A §2.2): the responses running on it, each with the
 * steers queued for it; the steers parked on a response that stopped for client tool output, by lane, until the next
 * create there takes them; the successors not yet committed; and how its recent responses ended, to tell a late steer
 * why it missed. Loop-confined, like {@link SocketSession}; every collection here is bounded (steers per response by
 * {@code BATON_WS_MAX_PENDING_STEERS}, responses by the lanes, ended ones by {@link #REMEMBERED_ENDINGS}).
 */
final class Steers {

    /** Ended responses remembered per connection, to answer a late steer with the right code. */
    static final int REMEMBERED_ENDINGS = 64;

    /** A response running on the connection, and the steers queued for it (submission order). */
    static final class Target {
        final String responseId;
        final Lane lane;
        final CreateResponseRequest request;
        final Steering steering;
        final List<SteerRequest> queued = new ArrayList<>();
        /** The steer that stopped it: its acceptance is among the response's own events. */
        SteerRequest stoppedBy;
        /**
         * Once the response ended and its successor is being prepared (until the successor's {@code response.created},
         * steers for it still join the successor): the sequence number of the next late acceptance; -1 while it runs.
         */
        int successorSequence = -1;
        /** The status its terminal event carried ({@code null} while it runs, or when it ended in an error event). */
        String endedStatus;
        /** How many of {@link #queued} its successor's input carries (steers joining later make it prepare again). */
        int carried;

        Target(String responseId, Lane lane, CreateResponseRequest request, Steering steering) {
            this.responseId = responseId;
            this.lane = lane;
            this.request = request;
            this.steering = steering;
        }

        /** Whether its response can be steered at all: not a conversation's, not with automatic compaction. */
        boolean awaitingSuccessor() {
            return successorSequence >= 0;
        }

        boolean steerable() {
            return steering != Steering.NONE && request.conversation() == null && request.compactThreshold() == null;
        }

        long queuedBytes() {
            return queued.stream().mapToLong(SteerRequest::bytes).sum();
        }
    }

    /** Steers waiting for the create that brings the tool output of {@code parentId}. */
    record Parked(String parentId, List<SteerRequest> steers) {
        List<Item> input() {
            List<Item> input = new ArrayList<>();
            steers.forEach(steer -> input.addAll(steer.input()));
            return input;
        }

        long bytes() {
            return steers.stream().mapToLong(SteerRequest::bytes).sum();
        }
    }

    private final Map<String, Target> running = new HashMap<>();
    private final Map<String, Parked> parkedByLane = new HashMap<>();
    private final Map<CreateResponseRequest, Target> successors = new IdentityHashMap<>();
    private final Map<String, String> endings = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_ENDINGS;
        }
    };

    Target started(String responseId, Lane lane, CreateResponseRequest request, Steering steering) {
        Target target = new Target(responseId, lane, request, steering);
        running.put(responseId, target);
        return target;
    }

    Target running(String responseId) {
        return running.get(responseId);
    }

    /** The response ended, and the steers sent to it are settled: later ones miss it. */
    void ended(Target target) {
        running.remove(target.responseId);
        endings.put(target.responseId, target.endedStatus == null ? ResponseObject.FAILED : target.endedStatus);
    }

    /** Why a steer for a response not running here misses it: a {@code ResponseSteerErrorCode}. */
    String missCode(String responseId) {
        String status = endings.get(responseId);
        if (status == null) {
            return "response_not_found";
        }
        return ResponseObject.COMPLETED.equals(status) ? "response_already_completed" : "response_not_active";
    }

    void park(String laneKey, Parked parked) {
        parkedByLane.put(laneKey, parked);
    }

    /** The steers parked on the lane, taken off it; {@code null} when none. */
    Parked unpark(String laneKey) {
        return parkedByLane.remove(laneKey);
    }

    /** Whether a steer targets a response whose steers are parked: it is waiting for tool output. */
    Parked parkedOn(String responseId) {
        for (Parked parked : parkedByLane.values()) {
            if (parked.parentId().equals(responseId)) {
                return parked;
            }
        }
        return null;
    }

    /** {@code successor} continues {@code target} with the first {@link Target#carried} of its steers. */
    void successor(CreateResponseRequest successor, Target target) {
        successors.put(successor, target);
    }

    /** The response a successor continues, once it is prepared or failed to be; {@code null} for any other create. */
    Target takeSuccessor(CreateResponseRequest request) {
        return successors.remove(request);
    }

    void clear() {
        running.clear();
        parkedByLane.clear();
        successors.clear();
        endings.clear();
    }
}
