package dev.baton.engine.openai;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Fails an upstream stream that stays silent longer than {@code BATON_UPSTREAM_IDLE_TIMEOUT} while
 * the turn is waiting for it (first token included). Silence while the client is not reading
 * ({@code demand} is 0, the upstream is paused) is the client's, not the upstream's, and does not count.
 */
final class IdleWatchdog {

    private final Vertx vertx;
    private final long limitNanos;
    private final long timer;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean stopped;

    IdleWatchdog(Vertx vertx, Duration limit, LongSupplier demand, Runnable onIdle) {
        this.vertx = vertx;
        this.limitNanos = limit.toNanos();
        long period = Math.max(100, Math.min(1000, limit.toMillis() / 4));
        this.timer = vertx.setPeriodic(period, id -> {
            if (stopped) {
                vertx.cancelTimer(id);
            } else if (demand.getAsLong() <= 0) {
                touch();
            } else if (System.nanoTime() - lastActivity > limitNanos) {
                stop();
                onIdle.run();
            }
        });
    }

    void touch() {
        lastActivity = System.nanoTime();
    }

    void stop() {
        stopped = true;
        vertx.cancelTimer(timer);
    }

    static String message(Duration limit) {
        return "The upstream engine sent nothing for " + limit.toSeconds() + " s (BATON_UPSTREAM_IDLE_TIMEOUT).";
    }
}
