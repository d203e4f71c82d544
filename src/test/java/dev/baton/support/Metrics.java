package dev.baton.support;

/** Reads one value from a Prometheus text exposition ({@code /q/metrics}). */
public final class Metrics {

    private Metrics() {
    }

    /** The first sample of {@code name} (any labels), or -1 when absent. */
    public static double value(String exposition, String name) {
        return exposition.lines()
                .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElse(-1);
    }
}
