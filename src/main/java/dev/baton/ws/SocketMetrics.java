package dev.baton.ws;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * WebSocket metrics: {@code baton_ws_connections} (open), {@code baton_ws_in_flight_responses},
 * {@code baton_ws_queued_creates} (lane queue depth), {@code baton_ws_outbound_pending_bytes} (written,
 * not yet taken by the kernel, summed over the connections when scraped), {@code baton_ws_slot_lookups_total{result}}
 * (connection-slot hits and misses), {@code baton_ws_slow_consumer_closes_total{reason}} ({@code send_deadline}, {@code overflow}) and
 * {@code baton_ws_unexpected_failures_total} (frames answered with {@code server_error}).
 */
@Startup
@ApplicationScoped
public class SocketMetrics {

    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final Set<OutboundQueue> outbound = ConcurrentHashMap.newKeySet();
    private final Counter slotHits;
    private final Counter slotMisses;
    private final Counter slowConsumers;
    private final Counter overflowingConsumers;
    private final Counter unexpectedFailures;
    private final Counter revokedKeys;
    private final Counter readPauses;
    private final MeterRegistry registry;
    private final Map<String, Counter> steers = new ConcurrentHashMap<>();

    public SocketMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("baton_ws_connections", connections);
        registry.gauge("baton_ws_in_flight_responses", inFlight);
        registry.gauge("baton_ws_queued_creates", queued);
        registry.gauge("baton_ws_outbound_pending_bytes", outbound,
                queues -> queues.stream().mapToLong(OutboundQueue::pendingBytes).sum());
        slotHits = registry.counter("baton_ws_slot_lookups_total", "result", "hit");
        slotMisses = registry.counter("baton_ws_slot_lookups_total", "result", "miss");
        slowConsumers = registry.counter("baton_ws_slow_consumer_closes_total", "reason", "send_deadline");
        overflowingConsumers = registry.counter("baton_ws_slow_consumer_closes_total", "reason", "overflow");
        unexpectedFailures = registry.counter("baton_ws_unexpected_failures_total");
        revokedKeys = registry.counter("baton_ws_revoked_key_closes_total");
        readPauses = registry.counter("baton_ws_read_pauses_total");
    }

    void connections(int delta) {
        connections.addAndGet(delta);
    }

    void inFlight(int delta) {
        inFlight.addAndGet(delta);
    }

    void queued(int delta) {
        queued.addAndGet(delta);
    }

    void outboundOpened(OutboundQueue queue) {
        outbound.add(queue);
    }

    void outboundClosed(OutboundQueue queue) {
        outbound.remove(queue);
    }

    void slotLookup(boolean hit) {
        (hit ? slotHits : slotMisses).increment();
    }

    /** A reader that stopped reading was disconnected at the send deadline. */
    void slowConsumerClosed() {
        slowConsumers.increment();
    }

    /** A reader that stopped reading and kept sending was disconnected once the answers overflowed. */
    void overflowingConsumerClosed() {
        overflowingConsumers.increment();
    }

    void readPaused() {
        readPauses.increment();
    }

    /**
     * {@code baton_ws_steers_total{outcome}}: steers {@code accepted}, {@code committed} (their successor's
     * {@code response.created} went out, or the create that brought the tool output they waited for ran),
     * {@code pending} (parked on a response waiting for tool output), {@code failed_<code>}.
     */
    void steers(String outcome, int count) {
        steers.computeIfAbsent(outcome, key -> registry.counter("baton_ws_steers_total", "outcome", key)).increment(count);
    }

    void revokedKeyClosed() {
        revokedKeys.increment();
    }

    void unexpectedFailure() {
        unexpectedFailures.increment();
    }

    /** Open connections right now. */
    public int openConnections() {
        return connections.get();
    }
}
