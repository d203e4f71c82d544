package dev.baton.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Plots as plain SVG, readable in any browser and on GitHub, without a plotting library. */
final class Svg {

    private static final String[] COLORS = {"#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#bab0ac"};
    private static final int WIDTH = 760;
    private static final int HEIGHT = 380;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private Svg() {
    }

    /**
     * Grouped bars: one group per {@code groups} entry, one bar per series, height the median, a whisker
     * to the p95.
     */
    static String bars(String title, String yLabel, List<String> groups, List<String> series, double[][] p50,
                       double[][] p95) {
        double max = 0;
        for (int g = 0; g < groups.size(); g++) {
            for (int s = 0; s < series.size(); s++) {
                max = Math.max(max, finite(p95[g][s], p50[g][s]));
            }
        }
        double top = niceCeiling(max);
        StringBuilder svg = open(title, yLabel);
        axisY(svg, top);
        int plotWidth = WIDTH - LEFT - RIGHT;
        double groupWidth = plotWidth / (double) groups.size();
        double barWidth = groupWidth * 0.8 / series.size();
        for (int g = 0; g < groups.size(); g++) {
            double x0 = LEFT + g * groupWidth + groupWidth * 0.1;
            for (int s = 0; s < series.size(); s++) {
                double x = x0 + s * barWidth;
                double value = p50[g][s];
                if (!Double.isFinite(value)) {
                    continue;
                }
                double y = y(value, top);
                svg.append(String.format(Locale.ROOT, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'/>%n",
                        x, y, barWidth * 0.9, HEIGHT - BOTTOM - y, COLORS[s % COLORS.length]));
                if (Double.isFinite(p95[g][s])) {
                    double cx = x + barWidth * 0.45;
                    double y95 = y(p95[g][s], top);
                    svg.append(String.format(Locale.ROOT,
                            "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#333'/>"
                                    + "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#333'/>%n",
                            cx, y, cx, y95, cx - 4, y95, cx + 4, y95));
                }
            }
            String[] label = groups.get(g).split(" @ ", 2); // long labels take two lines
            text(svg, x0 + groupWidth * 0.4, HEIGHT - BOTTOM + 16, label[0], "middle", 11);
            if (label.length > 1) {
                text(svg, x0 + groupWidth * 0.4, HEIGHT - BOTTOM + 30, "@ " + label[1], "middle", 11);
            }
        }
        legend(svg, series, false);
        boolean whiskers = java.util.Arrays.stream(p95).flatMapToDouble(java.util.Arrays::stream).anyMatch(Double::isFinite);
        text(svg, LEFT, HEIGHT - 8, whiskers ? "bars: median; whiskers: p95" : "bars: over the whole run", "start", 10);
        return svg.append("</svg>\n").toString();
    }

    /** Lines: one per series, points (x, y); x on a log scale when {@code logX}. */
    /**
     * Stacked bars: one bar per {@code bars} entry, its segments the {@code components} in order (bottom up), each
     * {@code values[bar][component]}; bar labels are slanted.
     */
    static String stacked(String title, String yLabel, List<String> bars, List<String> components, double[][] values) {
        double max = 0;
        for (double[] bar : values) {
            max = Math.max(max, java.util.Arrays.stream(bar).filter(Double::isFinite).sum());
        }
        double top = niceCeiling(max);
        StringBuilder svg = open(title, yLabel);
        axisY(svg, top);
        double barSpace = (WIDTH - LEFT - RIGHT) / (double) bars.size();
        for (int b = 0; b < bars.size(); b++) {
            double x = LEFT + b * barSpace + barSpace * 0.15;
            double base = 0;
            for (int c = 0; c < components.size(); c++) {
                double value = values[b][c];
                if (!Double.isFinite(value) || value <= 0) {
                    continue;
                }
                double y0 = y(base, top);
                double y1 = y(base + value, top);
                svg.append(String.format(Locale.ROOT, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'/>%n",
                        x, y1, barSpace * 0.7, y0 - y1, COLORS[c % COLORS.length]));
                base += value;
            }
            // many bars: labels slanted so neighbours do not overlap
            double lx = x + barSpace * 0.35;
            double ly = HEIGHT - BOTTOM + 10;
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%.1f' font-size='9' text-anchor='end' "
                    + "transform='rotate(-35 %.1f %.1f)'>%s</text>%n", lx, ly, lx, ly, escape(bars.get(b))));
        }
        legend(svg, components, false);
        return svg.append("</svg>\n").toString();
    }

    static String lines(String title, String xLabel, String yLabel, boolean logX, Map<String, List<double[]>> series) {
        double minX = Double.MAX_VALUE;
        double maxX = 0;
        double maxY = 0;
        for (List<double[]> points : series.values()) {
            for (double[] p : points) {
                if (Double.isFinite(p[1])) {
                    minX = Math.min(minX, p[0]);
                    maxX = Math.max(maxX, p[0]);
                    maxY = Math.max(maxY, p[1]);
                }
            }
        }
        if (maxX == 0) {
            return bars(title, yLabel, List.of("no data"), List.of("-"), new double[][] {{Double.NaN}},
                    new double[][] {{Double.NaN}});
        }
        double top = niceCeiling(maxY);
        StringBuilder svg = open(title, yLabel);
        axisY(svg, top);
        double lo = logX ? Math.log10(minX) : 0;
        double hi = logX ? Math.log10(maxX) : maxX;
        if (hi <= lo) {
            hi = lo + 1;
        }
        int plotWidth = WIDTH - LEFT - RIGHT;
        int s = 0;
        for (Map.Entry<String, List<double[]>> line : series.entrySet()) {
            StringBuilder path = new StringBuilder();
            for (double[] p : line.getValue()) {
                if (!Double.isFinite(p[1])) {
                    continue;
                }
                double fx = ((logX ? Math.log10(p[0]) : p[0]) - lo) / (hi - lo);
                double x = LEFT + fx * plotWidth;
                double y = y(p[1], top);
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
                svg.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>%n", x, y,
                        COLORS[s % COLORS.length]));
            }
            svg.append(String.format(Locale.ROOT, "<path d='%s' fill='none' stroke='%s' stroke-width='2'/>%n", path,
                    COLORS[s % COLORS.length]));
            s++;
        }
        for (List<double[]> points : series.values()) {
            for (double[] p : points) {
                double fx = ((logX ? Math.log10(p[0]) : p[0]) - lo) / (hi - lo);
                text(svg, LEFT + fx * plotWidth, HEIGHT - BOTTOM + 16, label(p[0]), "middle", 10);
            }
            break;
        }
        text(svg, LEFT + plotWidth / 2.0, HEIGHT - 22, xLabel + (logX ? " (log scale)" : ""), "middle", 11);
        legend(svg, List.copyOf(series.keySet()), true);
        return svg.append("</svg>\n").toString();
    }

    private static StringBuilder open(String title, String yLabel) {
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' "
                        + "font-family='sans-serif'>%n<rect width='100%%' height='100%%' fill='white'/>%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        text(svg, WIDTH / 2.0 - RIGHT / 2.0, 22, title, "middle", 14);
        svg.append(String.format(Locale.ROOT,
                "<text x='16' y='%d' font-size='11' text-anchor='middle' transform='rotate(-90 16 %d)'>%s</text>%n",
                HEIGHT / 2, HEIGHT / 2, escape(yLabel)));
        return svg;
    }

    private static void axisY(StringBuilder svg, double top) {
        for (int i = 0; i <= 5; i++) {
            double value = top * i / 5;
            double y = y(value, top);
            svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>%n",
                    LEFT, y, WIDTH - RIGHT, y));
            text(svg, LEFT - 6, y + 4, label(value), "end", 10);
        }
        svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#333'/>%n",
                LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM));
    }

    private static void legend(StringBuilder svg, List<String> series, boolean line) {
        for (int s = 0; s < series.size(); s++) {
            int y = TOP + 10 + s * 18;
            int x = WIDTH - RIGHT + 14;
            svg.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='12' height='%d' fill='%s'/>%n", x, y - 9,
                    line ? 3 : 12, COLORS[s % COLORS.length]));
            text(svg, x + 18, y + 1, series.get(s), "start", 11);
        }
    }

    private static double y(double value, double top) {
        return HEIGHT - BOTTOM - (value / top) * (HEIGHT - TOP - BOTTOM);
    }

    private static double finite(double preferred, double fallback) {
        return Double.isFinite(preferred) ? preferred : Double.isFinite(fallback) ? fallback : 0;
    }

    private static double niceCeiling(double max) {
        if (max <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(max)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= max) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String label(double value) {
        if (value >= 1000) {
            return String.format(Locale.ROOT, "%.0fk", value / 1000);
        }
        if (value >= 10 || value == 0) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        return String.format(Locale.ROOT, value >= 1 ? "%.1f" : "%.2f", value);
    }

    private static void text(StringBuilder svg, double x, double y, String text, String anchor, int size) {
        svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%.1f' font-size='%d' text-anchor='%s'>%s</text>%n",
                x, y, size, anchor, escape(text)));
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
