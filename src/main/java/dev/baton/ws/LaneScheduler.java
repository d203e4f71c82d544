package dev.baton.ws;

import dev.baton.protocol.CreateResponseRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Schedules a connection's {@code response.create} events (PROTOCOL.md Part A.5): creates on one lane
 * (the default lane or a named {@code stream_id}) run one at a time in arrival order; at most
 * {@code maxInFlight} run at once across lanes, the rest wait in order; at most {@code maxQueued} wait;
 * at most {@code maxNamedLanes} names per connection. A refused create changes nothing. Not thread-safe:
 * it lives on the connection's event loop.
 */
final class LaneScheduler {

    /** Starts a create; the scheduler hears back through {@link #finished(Lane)}. */
    interface Starter {
        void start(Lane lane, CreateResponseRequest request);
    }

    enum Admission { ACCEPTED, QUEUE_FULL, STREAM_LIMIT }

    private final int maxInFlight;
    private final int maxQueued;
    private final int maxNamedLanes;
    private final SocketMetrics metrics;
    private final Starter starter;
    private final Map<String, Lane> lanes = new HashMap<>();
    private final ArrayDeque<Lane> waitingForCapacity = new ArrayDeque<>();
    private int namedLanes;
    private int inFlight;
    private int queued;
    private boolean closed;

    LaneScheduler(int maxInFlight, int maxQueued, int maxNamedLanes, SocketMetrics metrics, Starter starter) {
        this.maxInFlight = maxInFlight;
        this.maxQueued = maxQueued;
        this.maxNamedLanes = maxNamedLanes;
        this.metrics = metrics;
        this.starter = starter;
    }

    /** Queues a create on its lane and starts it when the lane and the in-flight limit allow. */
    Admission submit(String streamId, CreateResponseRequest request) {
        if (queued >= maxQueued) {
            return Admission.QUEUE_FULL;
        }
        String key = Lane.key(streamId);
        Lane lane = lanes.get(key);
        if (lane == null) {
            if (streamId != null && namedLanes >= maxNamedLanes) {
                return Admission.STREAM_LIMIT;
            }
            lane = new Lane(streamId);
            lanes.put(key, lane);
            if (streamId != null) {
                namedLanes++;
            }
        }
        lane.pending.add(request);
        queued++;
        metrics.queued(1);
        pump(lane);
        return Admission.ACCEPTED;
    }

    /**
     * Queues {@code successor} to run next on {@code lane}, ahead of what waits there (a steered response's automatic
     * successor); call it before {@link #finished(Lane)} of the response it follows. It is not refused: its steers were
     * accepted already, and they are bounded on their own.
     */
    void followUp(Lane lane, CreateResponseRequest successor) {
        if (closed) {
            return;
        }
        lane.pending.addFirst(successor);
        queued++;
        metrics.queued(1);
    }

    /** The lane's running create ended (whatever its outcome): start what waits. */
    void finished(Lane lane) {
        if (closed) {
            return; // close already released the connection's counters
        }
        lane.busy = false;
        inFlight--;
        metrics.inFlight(-1);
        pump(lane);
        while (inFlight < maxInFlight && !waitingForCapacity.isEmpty()) {
            Lane next = waitingForCapacity.poll();
            next.waitingForCapacity = false;
            pump(next);
        }
    }

    boolean idle() {
        return inFlight == 0 && queued == 0;
    }

    int inFlight() {
        return inFlight;
    }

    int queued() {
        return queued;
    }

    int namedLanes() {
        return namedLanes;
    }

    /** The connection closed: nothing more starts, and the counters are given back. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        metrics.inFlight(-inFlight);
        metrics.queued(-queued);
        inFlight = 0;
        queued = 0;
        lanes.clear();
        waitingForCapacity.clear();
    }

    /** The lanes' names, default lane first if it exists (for tests and diagnostics). */
    List<String> laneKeys() {
        return new ArrayList<>(lanes.keySet());
    }

    private void pump(Lane lane) {
        if (closed || lane.busy || lane.pending.isEmpty()) {
            return;
        }
        if (inFlight >= maxInFlight) {
            if (!lane.waitingForCapacity) {
                lane.waitingForCapacity = true;
                waitingForCapacity.add(lane);
            }
            return;
        }
        CreateResponseRequest request = lane.pending.poll();
        queued--;
        metrics.queued(-1);
        lane.busy = true;
        inFlight++;
        metrics.inFlight(1);
        starter.start(lane, request);
    }
}
