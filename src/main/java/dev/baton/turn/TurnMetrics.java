package dev.baton.turn;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The meters every turn records, looked up once: Baton's own overhead, and outcomes by status. */
final class TurnMetrics {

    private final MeterRegistry registry;
    private final Timer toEngine;
    private final Timer toFirstEvent;
    private final Map<String, Counter> responsesByStatus = new ConcurrentHashMap<>();

    TurnMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.toEngine = overheadTimer("engine_start", registry);
        this.toFirstEvent = overheadTimer("first_event", registry);
    }

    /**
     * Baton's own share of a turn's latency, with histogram buckets fine enough for sub-millisecond
     * percentiles: {@code engine_start} from the start of a turn (its request parsed) to the engine's
     * stream being subscribed; {@code first_event} to the engine's first output event leaving the
     * pipeline for the transport, minus the engine's own time to that event.
     */
    private static Timer overheadTimer(String stage, MeterRegistry registry) {
        return Timer.builder("baton_gateway_overhead_seconds")
                .description("Gateway time per turn, the engine's own time excluded")
                .tag("stage", stage)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    Timer toEngine() {
        return toEngine;
    }

    Timer toFirstEvent() {
        return toFirstEvent;
    }

    /** The outcome counter, looked up once per status (a registry lookup takes a lock on every turn). */
    Counter responses(String status) {
        return responsesByStatus.computeIfAbsent(status, key -> registry.counter("baton_responses_total", "status", key));
    }
}
