package dev.baton.background;

import dev.baton.protocol.ApiError;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.StreamEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One background response running on this replica: its latest events (for clients that attach late, up to
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
    private final ArrayDeque<StreamEvent> events = new ArrayDeque<>();
    private final List<Follower> followers = new ArrayList<>();
    private final List<StreamEvent> unrelayed = new ArrayList<>();
    private final PartialOutput output = new PartialOutput();
    private int nextSequenceNumber;
    private boolean ended;

    /**
     * @param maxEvents how many of the latest events are kept for clients that attach late, and how far behind a
     *                  follower may fall
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
        if (events.size() == maxEvents) {
            events.removeFirst();
        }
        events.addLast(event);
        if (relaying) {
            unrelayed.add(event);
        }
        if (event instanceof StreamEvent.Lifecycle lifecycle) {
            latest = lifecycle.response();
        }
        List.copyOf(followers).forEach(follower -> send(follower, event)); // a follower may leave meanwhile
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

    /**
     * The events after {@code startingAfter}, then the live ones to the end. The run never waits for a follower: one
     * that falls more than {@code maxEvents} behind, so that it would need an event the run no longer keeps, gets the
     * events sent to it before, then a 429 {@code stream_lagging} error, and {@code onLagging} runs at once. Asking for
     * events the run no longer keeps ends the stream at once with a 400 naming the oldest {@code starting_after} it
     * can serve (callers check {@link #unservable} first, to answer it before the stream starts).
     */
    Multi<StreamEvent> follow(int startingAfter, Runnable onLagging) {
        AtomicInteger undelivered = new AtomicInteger();
        AtomicInteger lastRead = new AtomicInteger(startingAfter);
        return Multi.createFrom().<StreamEvent>emitter(emitter -> replayThenFollow(startingAfter,
                        new Follower(emitter, undelivered, onLagging)))
                .onItem().invoke(event -> {
                    undelivered.decrementAndGet();
                    lastRead.set(event.sequenceNumber());
                })
                .onFailure(Lagging.class).transform(failure -> new ApiError(429, ApiError.SERVER_ERROR,
                        "stream_lagging", null, "This stream fell more than " + maxEvents + " events behind the"
                        + " background response " + key.id() + ", which does not wait for its readers. Attach again"
                        + " with starting_after=" + lastRead.get() + " (the last event sent), and read faster.")
                        .exception());
    }

    /** A client following the run, with the events sent to it that it has not read yet. */
    private record Follower(MultiEmitter<? super StreamEvent> emitter, AtomicInteger undelivered, Runnable onLagging) {
    }

    /** A follower fell more than {@code maxEvents} behind. */
    private static final class Lagging extends RuntimeException {
        Lagging() {
            super("the follower fell too far behind", null, false, false);
        }
    }

    /**
     * Why the events after {@code startingAfter} cannot be served (some are no longer kept), or null when they can:
     * checked before a stream starts, so that the client gets a 400 rather than a stream that ends at once.
     */
    synchronized ApiError unservable(int startingAfter) {
        StreamEvent oldest = events.peekFirst();
        if (oldest == null || startingAfter >= oldest.sequenceNumber() - 1) { // starting_after may be Integer.MAX_VALUE
            return null;
        }
        return ApiError.invalidRequest("starting_after", "invalid_value", "The events of the background response "
                + key.id() + " up to sequence_number " + (oldest.sequenceNumber() - 1) + " are no longer kept (a"
                + " running response keeps its latest " + maxEvents + "); attach with starting_after "
                + (oldest.sequenceNumber() - 1) + " or later, or retrieve it without 'stream'.");
    }

    private synchronized void replayThenFollow(int startingAfter, Follower follower) {
        ApiError unservable = unservable(startingAfter); // the run may have moved on since the caller checked
        if (unservable != null) {
            follower.emitter().fail(unservable.exception());
            return;
        }
        for (StreamEvent event : events) {
            if (event.sequenceNumber() > startingAfter && !send(follower, event)) {
                return;
            }
        }
        if (ended) {
            follower.emitter().complete();
        } else {
            followers.add(follower);
            follower.emitter().onTermination(() -> unfollow(follower));
        }
    }

    /** Emits {@code event} to {@code follower}, or ends it with {@link Lagging}; whether it still follows. */
    private boolean send(Follower follower, StreamEvent event) {
        if (follower.undelivered().incrementAndGet() > maxEvents) {
            followers.remove(follower);
            follower.onLagging().run();
            follower.emitter().fail(new Lagging()); // after the events it holds: it resumes from the last one
            return false;
        }
        follower.emitter().emit(event);
        return true;
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
        List<Follower> leaving = List.copyOf(followers);
        followers.clear();
        leaving.forEach(follower -> follower.emitter().complete());
    }

    /** Stops the turn's stream (its engine stops); the run's end is then up to the caller. */
    void stop() {
        Cancellable running = subscription;
        if (running != null) {
            running.cancel();
        }
    }

    private synchronized void unfollow(Follower follower) {
        followers.remove(follower);
    }
}
