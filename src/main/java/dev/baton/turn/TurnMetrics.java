package dev.baton.turn;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The meters every turn records, looked up once: Baton's own overhead per transport, and outcomes by status. */
final class TurnMetrics {

    /** The overhead timers of one transport ({@code http}, {@code sse}, {@code websocket}). */
    record Overhead(Timer toEngine, Timer toFirstEvent) {
    }

    private final MeterRegistry registry;
    private final Map<String, Overhead> overheadByTransport = new ConcurrentHashMap<>();
    private final Map<String, Counter> responsesByStatus = new ConcurrentHashMap<>();

    TurnMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The overhead timers of {@code transport}, looked up once per transport (a turn resolves them when it starts). */
    Overhead overhead(String transport) {
        return overheadByTransport.computeIfAbsent(transport, key -> new Overhead(
                overheadTimer("engine_start", key, registry), overheadTimer("first_event", key, registry)));
    }

    /**
     * Baton's own share of a turn's latency, with histogram buckets fine enough for sub-millisecond
     * percentiles: {@code engine_start} from the start of a turn (its request parsed) to the engine's
     * stream being subscribed; {@code first_event} to the engine's first output event leaving the
     * pipeline for the transport, minus the engine's own time to that event.
     */
    private static Timer overheadTimer(String stage, String transport, MeterRegistry registry) {
        return Timer.builder("baton_gateway_overhead_seconds")
                .description("Gateway time per turn, the engine's own time excluded")
                .tag("stage", stage)
                .tag("transport", transport)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** The outcome counter, looked up once per status (a registry lookup takes a lock on every turn). */
    Counter responses(String status) {
        return responsesByStatus.computeIfAbsent(status, key -> registry.counter("baton_responses_total", "status", key));
    }
}
