package dev.baton.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Order statistics of a sample: what every comparison reports (median, p95, p99), never a mean alone. */
record Stats(int n, double p50, double p95, double p99, double min, double max) {

    static Stats of(Collection<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        if (sorted.isEmpty()) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Stats(sorted.size(), quantile(sorted, 0.50), quantile(sorted, 0.95), quantile(sorted, 0.99),
                sorted.get(0), sorted.get(sorted.size() - 1));
    }

    /** Linear interpolation between closest ranks. */
    static double quantile(List<Double> sorted, double q) {
        double rank = q * (sorted.size() - 1);
        int low = (int) Math.floor(rank);
        int high = (int) Math.ceil(rank);
        return sorted.get(low) + (sorted.get(high) - sorted.get(low)) * (rank - low);
    }
}
