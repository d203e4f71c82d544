package dev.baton.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Prometheus histogram read from {@code /q/metrics} (cumulative {@code _bucket} counts by {@code le}).
 * Snapshots of several replicas add up, and the difference of two snapshots holds exactly the
 * observations made between them — which is how the harness attributes Baton's own measurements to
 * one block of one mode.
 */
final class Histogram {

    private final TreeMap<Double, Double> cumulative;

    private Histogram(TreeMap<Double, Double> cumulative) {
        this.cumulative = cumulative;
    }

    static Histogram empty() {
        return new Histogram(new TreeMap<>());
    }

    /** The histogram {@code name} with the label {@code label="value"}, from a Prometheus text exposition. */
    static Histogram parse(String exposition, String name, String label, String value) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "_bucket\\{(.*)\\}\\s+(\\S+)$");
        Pattern le = Pattern.compile("le=\"([^\"]+)\"");
        TreeMap<Double, Double> buckets = new TreeMap<>();
        for (String text : exposition.split("\n")) {
            Matcher m = line.matcher(text.strip());
            if (!m.matches() || !m.group(1).contains(label + "=\"" + value + "\"")) {
                continue;
            }
            Matcher bound = le.matcher(m.group(1));
            if (bound.find()) {
                double upper = "+Inf".equals(bound.group(1)) ? Double.POSITIVE_INFINITY : Double.parseDouble(bound.group(1));
                buckets.merge(upper, Double.parseDouble(m.group(2)), Double::sum);
            }
        }
        return new Histogram(buckets);
    }

    Histogram plus(Histogram other) {
        TreeMap<Double, Double> sum = new TreeMap<>(cumulative);
        other.cumulative.forEach((le, count) -> sum.merge(le, count, Double::sum));
        return new Histogram(sum);
    }

    Histogram minus(Histogram earlier) {
        TreeMap<Double, Double> diff = new TreeMap<>();
        for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
            diff.put(bucket.getKey(), bucket.getValue() - earlier.cumulative.getOrDefault(bucket.getKey(), 0.0));
        }
        return new Histogram(diff);
    }

    double count() {
        return cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
    }

    /** The q-quantile in seconds, interpolated linearly inside its bucket; NaN without observations. */
    double quantile(double q) {
        double total = count();
        if (total == 0) {
            return Double.NaN;
        }
        double target = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        List<Map.Entry<Double, Double>> buckets = new ArrayList<>(cumulative.entrySet());
        for (Map.Entry<Double, Double> bucket : buckets) {
            if (bucket.getValue() >= target) {
                if (bucket.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = bucket.getValue() - lowerCount;
                double fraction = inBucket == 0 ? 1 : (target - lowerCount) / inBucket;
                return lowerBound + (bucket.getKey() - lowerBound) * fraction;
            }
            lowerBound = bucket.getKey();
            lowerCount = bucket.getValue();
        }
        return lowerBound;
    }
}
