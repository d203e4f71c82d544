package dev.baton.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * A flame graph (SVG) of the CPU samples of a JFR recording, built with the JDK's own JFR reader — no
 * profiler to install. Only threads whose name starts with the given prefix count (Vert.x event loops
 * by default: where a turn's gateway work runs). Width is the share of samples; hover shows counts.
 */
final class FlameGraph {

    private static final int WIDTH = 1200;
    private static final int ROW = 16;

    private static final class Node {
        final String name;
        final Map<String, Node> children = new LinkedHashMap<>();
        long samples;

        Node(String name) {
            this.name = name;
        }
    }

    private FlameGraph() {
    }

    /** Renders {@code recording} to {@code svg}; returns the number of samples drawn. */
    static long render(Path recording, Path svg, String threadPrefix, String title) throws IOException {
        Node root = new Node("all");
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            var thread = event.getThread("sampledThread");
            if (thread == null || thread.getJavaName() == null || !thread.getJavaName().startsWith(threadPrefix)) {
                continue;
            }
            List<RecordedFrame> frames = new ArrayList<>(event.getStackTrace().getFrames());
            root.samples++;
            Node node = root;
            String previous = null;
            for (int i = frames.size() - 1; i >= 0; i--) {
                String name = name(frames.get(i));
                if (name.equals(previous) && name.startsWith("[")) {
                    continue; // a run of one library's plumbing reads as one frame
                }
                previous = name;
                node = node.children.computeIfAbsent(name, Node::new);
                node.samples++;
            }
        }
        int depth = depth(root);
        int height = (depth + 3) * ROW;
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='monospace' font-size='11'>%n"
                        + "<rect width='100%%' height='100%%' fill='white'/>%n"
                        + "<text x='%d' y='14' font-size='13' text-anchor='middle' font-family='sans-serif'>%s — %d samples "
                        + "(★ = Baton's code)</text>%n", WIDTH, height, WIDTH / 2, escape(title), root.samples));
        draw(out, root, 0, WIDTH, height - ROW, root.samples);
        Files.writeString(svg, out.append("</svg>\n"));
        return root.samples;
    }

    private static void draw(StringBuilder out, Node node, double x, double width, int y, long total) {
        if (width < 0.3) {
            return;
        }
        double share = 100.0 * node.samples / Math.max(1, total);
        String color = node.name.startsWith("★") ? "#f5a623" : String.format(Locale.ROOT, "hsl(%d,70%%,%d%%)",
                10 + Math.abs(node.name.hashCode()) % 40, 60 + Math.abs(node.name.hashCode() / 7) % 15);
        out.append(String.format(Locale.ROOT,
                "<g><title>%s (%d samples, %.1f%%)</title><rect x='%.1f' y='%d' width='%.1f' height='%d' fill='%s' "
                        + "stroke='white' stroke-width='0.5'/>", escape(node.name), node.samples, share, x, y, width, ROW - 1, color));
        int fits = (int) (width / 7);
        if (fits > 3) {
            String label = node.name.length() > fits ? node.name.substring(0, fits - 2) + ".." : node.name;
            out.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d'>%s</text>", x + 3, y + ROW - 4, escape(label)));
        }
        out.append("</g>\n");
        double childX = x;
        List<Node> children = new ArrayList<>(node.children.values());
        children.sort(Comparator.comparing(child -> child.name));
        for (Node child : children) {
            double childWidth = width * child.samples / Math.max(1, node.samples);
            draw(out, child, childX, childWidth, y - ROW, total);
            childX += childWidth;
        }
    }

    /** A frame's label: Baton's methods by class and name (★), reactive plumbing collapsed by library. */
    private static String name(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        if (type.startsWith("io.smallrye.mutiny.operators") || type.startsWith("io.smallrye.mutiny.subscription")
                || type.startsWith("io.smallrye.mutiny.helpers")) {
            return "[Mutiny operators]";
        }
        String simple = type.replaceAll("^.*\\.", "") + "." + frame.getMethod().getName();
        return type.startsWith("dev.baton") ? "★ " + simple : simple;
    }

    private static int depth(Node node) {
        int deepest = 0;
        for (Node child : node.children.values()) {
            deepest = Math.max(deepest, depth(child));
        }
        return deepest + 1;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;");
    }
}
