package dev.baton.support;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches event loops: a periodic timer on each of {@code contexts} fresh event-loop contexts (Vert.x hands them
 * out round robin, so enough of them cover every loop) records how late it fires — how long its loop was held up.
 */
public final class EventLoopProbe {

    private static final long PERIOD_MILLIS = 5;

    private final Vertx vertx;
    private final List<Long> timers = new ArrayList<>();
    private final AtomicLong worstLateNanos = new AtomicLong();

    private EventLoopProbe(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Starts probing; call from a test thread (not a Vert.x thread), so each context lands on its own loop. */
    public static EventLoopProbe start(Vertx vertx, int contexts) {
        EventLoopProbe probe = new EventLoopProbe(vertx);
        for (int i = 0; i < contexts; i++) {
            Context context = vertx.getOrCreateContext();
            context.runOnContext(ignored -> probe.schedule());
        }
        return probe;
    }

    private void schedule() {
        long[] expected = {System.nanoTime() + PERIOD_MILLIS * 1_000_000};
        synchronized (timers) {
            timers.add(vertx.setPeriodic(PERIOD_MILLIS, id -> {
                long now = System.nanoTime();
                worstLateNanos.accumulateAndGet(now - expected[0], Math::max);
                expected[0] = now + PERIOD_MILLIS * 1_000_000;
            }));
        }
    }

    public void stop() {
        synchronized (timers) {
            timers.forEach(vertx::cancelTimer);
        }
    }

    /** The longest a probe timer fired after it was due. */
    public long worstLateMillis() {
        return worstLateNanos.get() / 1_000_000;
    }
}
