package dev.baton.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OverheadWindowTest {

    /** As Baton's timers: Prometheus' registry keeps the percentile histogram's buckets (a simple registry does not). */
    private static Timer timer() {
        return Timer.builder("t").publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    @Test
    void percentilesCoverOnlyWhatWasRecordedInTheWindow() {
        Timer timer = timer();
        for (int i = 0; i < 1000; i++) {
            timer.record(50, TimeUnit.MILLISECONDS); // before the window
        }
        OverheadWindow.Buckets earlier = OverheadWindow.Buckets.of(timer.takeSnapshot());
        for (int i = 0; i < 99; i++) {
            timer.record(1, TimeUnit.MILLISECONDS);
        }
        timer.record(200, TimeUnit.MILLISECONDS);
        OverheadWindow.Buckets later = OverheadWindow.Buckets.of(timer.takeSnapshot());

        assertEquals(100, OverheadWindow.count(earlier, later));
        double p50 = OverheadWindow.quantileMillis(earlier, later, 0.50);
        assertTrue(p50 > 0.5 && p50 <= 1.2, "the window's median is about 1 ms, not the earlier 50 ms: " + p50);
        double max = OverheadWindow.quantileMillis(earlier, later, 1.0);
        assertTrue(max > 100 && max <= 300, "its slowest turn lands in the 200 ms bucket: " + max);
    }

    @Test
    void anEmptyWindowHasNoPercentile() {
        Timer timer = timer();
        timer.record(3, TimeUnit.MILLISECONDS);
        OverheadWindow.Buckets both = OverheadWindow.Buckets.of(timer.takeSnapshot());
        assertTrue(Double.isNaN(OverheadWindow.quantileMillis(both, both, 0.5)));
        assertTrue(Double.isNaN(OverheadWindow.quantileMillis(OverheadWindow.Buckets.EMPTY,
                OverheadWindow.Buckets.EMPTY, 0.5)));
    }
}
