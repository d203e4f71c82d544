package dev.baton.ws;

import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Context;
import java.util.ArrayDeque;

/**
 * Frames written to one socket and not yet flushed, bounded: when {@link #full()} the writer parks a
 * continuation with {@link #whenWritable} instead of producing more, so a slow reader pauses the
 * engine streams of its connection rather than growing memory. {@link #stalledNanos} lets the
 * session close a connection whose flushes stopped progressing. Event-loop confined.
 */
final class OutboundQueue {

    /** Continuations run inline at most this many times in a row before yielding the event loop. */
    static final int INLINE_BURST = 32;

    private final WebSocketConnection connection;
    private final Context context;
    private final int limit;
    private final SocketMetrics metrics;
    private final ArrayDeque<Runnable> waiters = new ArrayDeque<>();
    private int pending;
    private long lastProgressNanos = System.nanoTime();
    private int inlineRuns;

    OutboundQueue(WebSocketConnection connection, Context context, int limit, SocketMetrics metrics) {
        this.connection = connection;
        this.context = context;
        this.limit = limit;
        this.metrics = metrics;
    }

    void send(String frame) {
        if (pending == 0) {
            lastProgressNanos = System.nanoTime();
        }
        pending++;
        metrics.outboundPending(1);
        connection.sendText(frame).subscribe().with(sent -> flushed(), failed -> flushed());
    }

    boolean full() {
        return pending >= limit;
    }

    /**
     * Runs {@code continuation} if there is room, else once enough frames have flushed. Writes to a
     * fast reader complete at once, so every {@link #INLINE_BURST} runs the continuation is queued
     * on the event loop instead, letting the loop's other connections in.
     */
    void whenWritable(Runnable continuation) {
        if (full()) {
            waiters.add(continuation);
        } else if (++inlineRuns % INLINE_BURST == 0) {
            context.runOnContext(ignored -> continuation.run());
        } else {
            continuation.run();
        }
    }

    int pending() {
        return pending;
    }

    /** How long frames have been waiting without any of them flushing; 0 when nothing waits. */
    long stalledNanos() {
        return pending == 0 ? 0 : System.nanoTime() - lastProgressNanos;
    }

    private void flushed() {
        pending--;
        metrics.outboundPending(-1);
        lastProgressNanos = System.nanoTime();
        while (!waiters.isEmpty() && !full()) {
            waiters.poll().run();
        }
    }
}
