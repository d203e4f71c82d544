package dev.baton.safety;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The safety metrics, per classifier and looked up once each: {@code baton_safety_calls_total{classifier,
 * apply_to}}, {@code baton_safety_seconds{classifier}}, {@code baton_safety_verdicts_total{classifier, result}},
 * {@code baton_safety_scanned_chars_total{classifier, part}}, {@code baton_safety_errors_total{classifier, on_error}}.
 */
final class SafetyMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    SafetyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void call(ClassifierSpec spec) {
        counter("baton_safety_calls_total", spec.name(), "apply_to", spec.applyTo()).increment();
    }

    void scanned(ClassifierSpec spec, String part, long chars) {
        if (chars > 0) {
            counter("baton_safety_scanned_chars_total", spec.name(), "part", part).increment(chars);
        }
    }

    void verdict(ClassifierSpec spec, String result) {
        counter("baton_safety_verdicts_total", spec.name(), "result", result).increment();
    }

    void error(ClassifierSpec spec) {
        counter("baton_safety_errors_total", spec.name(), "on_error", spec.blockOnError() ? "block" : "allow").increment();
    }

    void took(ClassifierSpec spec, long startedNanos) {
        timers.computeIfAbsent(spec.name(), key -> Timer.builder("baton_safety_seconds").tag("classifier", key)
                        .description("Time a safety classifier took on a turn's input or output")
                        .publishPercentileHistogram().register(registry))
                .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }

    private Counter counter(String name, String classifier, String tag, String value) {
        return counters.computeIfAbsent(name + '\u0000' + classifier + '\u0000' + value, key -> Counter.builder(name)
                .tag("classifier", classifier).tag(tag, value).register(registry));
    }
}
