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

    /** The sum of the samples of {@code name} whose labels contain {@code label} (e.g. {@code mode="resent"}); 0 when absent. */
    public static double sum(String exposition, String name, String label) {
        return exposition.lines()
                .filter(line -> line.startsWith(name + "{") && line.substring(0, line.indexOf('}') + 1).contains(label))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
