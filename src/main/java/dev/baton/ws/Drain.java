package dev.baton.ws;

import dev.baton.background.BackgroundRuns;
import dev.baton.config.BatonConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Graceful drain on SIGTERM: readiness goes down, new upgrades are refused, every socket finishes its
 * in-flight and queued turns (each {@code store=true} one is in Redis before its terminal event) and
 * closes with 1001 so that clients reconnect elsewhere; sockets still busy at {@code BATON_DRAIN_TIMEOUT}
 * are closed anyway; background responses get the same deadline, then end failed. HTTP requests in flight are awaited
 * by Quarkus' own graceful shutdown.
 * Metrics: {@code baton_draining} (0/1), {@code baton_ws_connections} shows the drain's progress.
 */
@ApplicationScoped
public class Drain {

    private static final Logger LOG = Logger.getLogger(Drain.class);

    private final Set<SocketSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final BatonConfig config;
    private final BackgroundRuns background;

    public Drain(BatonConfig config, MeterRegistry metrics, BackgroundRuns background) {
        this.config = config;
        this.background = background;
        metrics.gauge("baton_draining", draining, flag -> flag.get() ? 1 : 0);
    }

    void opened(SocketSession session) {
        sessions.add(session);
        if (draining.get()) {
            session.runOnLoop(session::drain);
        }
    }

    void closed(SocketSession session) {
        sessions.remove(session);
    }

    public boolean draining() {
        return draining.get();
    }

    /** SIGTERM starts Quarkus' pre-shutdown phase: the server still serves, so sockets can drain. */
    void onShutdownRequested(@Observes ShutdownDelayInitiatedEvent requested) {
        drainAll();
    }

    /** The fallback when no pre-shutdown phase ran. */
    void onShutdown(@Observes @Priority(1) ShutdownEvent shutdown) {
        drainAll();
    }

    private void drainAll() {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + config.drain().timeout().toNanos();
        LOG.infof("draining %d WebSocket connections and %d background responses (up to %s)", sessions.size(),
                background.running(), config.drain().timeout());
        sessions.forEach(session -> session.runOnLoop(session::drain));
        while ((!sessions.isEmpty() || background.running() > 0) && System.nanoTime() < deadline) {
            sessions.removeIf(SocketSession::isClosed);
            try {
                TimeUnit.MILLISECONDS.sleep(20); // shutdown thread polling its own deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!sessions.isEmpty()) {
            LOG.warnf("drain deadline passed with %d connections busy; closing them", sessions.size());
            sessions.forEach(session -> session.runOnLoop(session::closeGoingAway));
        }
        if (background.running() > 0) {
            LOG.warnf("drain deadline passed with %d background responses running; they end failed", background.running());
            background.failAll("The replica running this background response shut down before it finished"
                    + " (its drain timeout passed).");
        }
        LOG.info("drain complete");
    }

    int openSessions() {
        return sessions.size();
    }
}
