package dev.baton.ws;

import io.quarkus.websockets.next.WebSocketConnection;
import java.util.ArrayDeque;

/**
 * Frames written to one socket and not yet flushed, bounded: when {@link #full()} the writer parks a
 * continuation with {@link #whenWritable} instead of producing more, so a slow reader pauses the
 * engine streams of its connection rather than growing memory. {@link #stalledNanos} lets the
 * session close a connection whose flushes stopped progressing. Event-loop confined.
 */
final class OutboundQueue {

    private final WebSocketConnection connection;
    private final int limit;
    private final SocketMetrics metrics;
    private final ArrayDeque<Runnable> waiters = new ArrayDeque<>();
    private int pending;
    private long lastProgressNanos = System.nanoTime();

    OutboundQueue(WebSocketConnection connection, int limit, SocketMetrics metrics) {
        this.connection = connection;
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

    /** Runs {@code continuation} now if there is room, else once enough frames have flushed. */
    void whenWritable(Runnable continuation) {
        if (full()) {
            waiters.add(continuation);
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
