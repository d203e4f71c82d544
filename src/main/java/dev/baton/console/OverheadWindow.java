package dev.baton.console;

import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.concurrent.TimeUnit;

/**
 * Percentiles of a timer over a window, from two snapshots of its histogram: the bucket counts are cumulative since
 * start, so the window's counts are their difference. A percentile is interpolated inside its bucket.
 */
final class OverheadWindow {

    private OverheadWindow() {
    }

    /** Upper bounds (ns) and cumulative counts of a snapshot's buckets. */
    record Buckets(double[] upperNanos, double[] counts, long total) {

        static final Buckets EMPTY = new Buckets(new double[0], new double[0], 0);

        static Buckets of(HistogramSnapshot snapshot) {
            CountAtBucket[] buckets = snapshot.histogramCounts();
            double[] upper = new double[buckets.length];
            double[] counts = new double[buckets.length];
            for (int i = 0; i < buckets.length; i++) {
                upper[i] = buckets[i].bucket(TimeUnit.NANOSECONDS);
                counts[i] = buckets[i].count();
            }
            return new Buckets(upper, counts, snapshot.count());
        }
    }

    /** How many were recorded between the two snapshots. */
    static long count(Buckets earlier, Buckets later) {
        return later.total() - earlier.total();
    }

    /**
     * The {@code quantile} (0–1) in milliseconds of what was recorded between the snapshots, or {@code NaN} when
     * nothing was; past the last bucket it is that bucket's bound.
     */
    static double quantileMillis(Buckets earlier, Buckets later, double quantile) {
        long total = count(earlier, later);
        if (total <= 0 || later.upperNanos().length == 0) {
            return Double.NaN;
        }
        double rank = quantile * total;
        double below = 0;
        double lowerBound = 0;
        for (int i = 0; i < later.upperNanos().length; i++) {
            double inWindow = later.counts()[i] - (i < earlier.counts().length ? earlier.counts()[i] : 0);
            if (inWindow >= rank && inWindow > below) {
                double fraction = (rank - below) / (inWindow - below);
                return (lowerBound + fraction * (later.upperNanos()[i] - lowerBound)) / 1e6;
            }
            below = inWindow;
            lowerBound = later.upperNanos()[i];
        }
        return lowerBound / 1e6;
    }
}
