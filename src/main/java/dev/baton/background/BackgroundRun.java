package dev.baton.background;

import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.StreamEvent;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One background response running on this replica: its events (for clients that attach late, up to
 * {@code maxEvents}), the clients following it, the output so far, and what still has to reach the events stream in
 * Redis. Fed by its turn, read by any thread: its methods are synchronized.
 */
final class BackgroundRun {

    static final Set<String> FINAL = Set.of("completed", "failed", "cancelled", "incomplete");

    final RunKey key;
    /** Completes once the run's end is recorded where every replica reads it. */
    final CompletableFuture<Void> recorded = new CompletableFuture<>();
    /** Completes once every batch taken so far is in the events stream (batches are appended in order). */
    CompletableFuture<Void> relayed = CompletableFuture.completedFuture(null);
    volatile long relayTimer = -1;
    volatile long renewal = -1;
    /** When the last renewal that succeeded was sent (its lease runs from no earlier than that). */
    volatile long renewedNanos = System.nanoTime();
    volatile ResponseObject latest;
    volatile Cancellable subscription;
    volatile boolean cancelRequested;

    private final int maxEvents;
    private final boolean relaying;
    private final List<StreamEvent> events = new ArrayList<>();
    private final List<MultiEmitter<? super StreamEvent>> followers = new ArrayList<>();
    private final List<StreamEvent> unrelayed = new ArrayList<>();
    private final PartialOutput output = new PartialOutput();
    private int nextSequenceNumber;
    private boolean ended;

    /**
     * @param maxEvents how many events are kept for clients that attach late
     * @param relaying  whether events are kept until taken for the events stream (only with Redis)
     */
    BackgroundRun(RunKey key, ResponseObject first, int maxEvents, boolean relaying) {
        this.key = key;
        this.latest = first;
        this.maxEvents = maxEvents;
        this.relaying = relaying;
    }

    synchronized void on(StreamEvent event) {
        output.on(event);
        nextSequenceNumber = event.sequenceNumber() + 1;
        if (events.size() < maxEvents) {
            events.add(event);
        }
        if (relaying) {
            unrelayed.add(event);
        }
        if (event instanceof StreamEvent.Lifecycle lifecycle) {
            latest = lifecycle.response();
        }
        List.copyOf(followers).forEach(follower -> follower.emit(event)); // a follower may leave meanwhile
        if (event.terminal()) {
            end();
        }
    }

    /** The response as it stands, ended now with {@code status}: what it generated so far is kept. */
    synchronized ResponseObject endedAs(String status, ResponseObject.ResponseError error) {
        return latest.toBuilder().status(status).error(error).output(output.items()).build();
    }

    /** The response as it stands: while it runs, with what it generated so far. */
    synchronized ResponseObject now() {
        return FINAL.contains(latest.status()) ? latest : latest.toBuilder().output(output.items()).build();
    }

    synchronized int nextSequenceNumber() {
        return nextSequenceNumber;
    }

    /** Sends {@code follower} the events after {@code startingAfter}, then the live ones to the end. */
    synchronized void follow(int startingAfter, MultiEmitter<? super StreamEvent> follower) {
        for (StreamEvent event : events) {
            if (event.sequenceNumber() > startingAfter) {
                follower.emit(event);
            }
        }
        if (ended) {
            follower.complete();
        } else {
            followers.add(follower);
            follower.onTermination(() -> unfollow(follower));
        }
    }

    synchronized List<StreamEvent> takeUnrelayed() {
        List<StreamEvent> taken = List.copyOf(unrelayed);
        unrelayed.clear();
        return taken;
    }

    /** A batch that did not reach the stream goes back in front of what came since (readers skip what they saw). */
    synchronized void returnUnrelayed(List<StreamEvent> batch) {
        unrelayed.addAll(0, batch);
    }

    /** Another replica recorded the end: what this replica has not relayed is dropped, never appended after it. */
    synchronized void dropUnrelayed() {
        unrelayed.clear();
    }

    synchronized void end() {
        ended = true;
        List<MultiEmitter<? super StreamEvent>> leaving = List.copyOf(followers);
        followers.clear();
        leaving.forEach(MultiEmitter::complete);
    }

    /** Stops the turn's stream (its engine stops); the run's end is then up to the caller. */
    void stop() {
        Cancellable running = subscription;
        if (running != null) {
            running.cancel();
        }
    }

    private synchronized void unfollow(MultiEmitter<? super StreamEvent> follower) {
        followers.remove(follower);
    }
}
