package dev.baton.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The GC pauses of a deployment's JVMs ({@code -Xlog:gc} into {@code target/bench/gc-<deployment>-<pid>.log}),
 * so that a run can say whether its tail latencies line up with stop-the-world pauses.
 */
final class GcLog {

    private static final Path DIRECTORY = Path.of("target/bench");
    private static final Pattern PAUSE = Pattern.compile("\\bPause\\b.*?([0-9.]+)ms\\s*$");

    /** What a window of the logs held. */
    record Pauses(int count, double p50Ms, double maxMs, double totalMs) {
    }

    private final String deployment;
    private final Map<Path, Integer> linesSeen = new HashMap<>();

    GcLog(String deployment) {
        this.deployment = deployment;
    }

    /** The JVM option that makes a replica of {@code deployment} log its pauses. */
    static String option(String deployment) {
        return "-Xlog:gc:file=" + DIRECTORY.toAbsolutePath().resolve("gc-" + deployment + "-%p.log");
    }

    /** Starts a window: pauses logged from now on count. */
    void mark() {
        linesSeen.clear();
        for (Path file : files()) {
            linesSeen.put(file, lines(file).size());
        }
    }

    /** The pauses logged since {@link #mark}. */
    Pauses since() {
        List<Double> pauses = new ArrayList<>();
        for (Path file : files()) {
            List<String> lines = lines(file);
            for (String line : lines.subList(Math.min(lines.size(), linesSeen.getOrDefault(file, 0)), lines.size())) {
                Matcher m = PAUSE.matcher(line);
                if (m.find()) {
                    pauses.add(Double.parseDouble(m.group(1)));
                }
            }
        }
        Stats stats = Stats.of(pauses);
        return new Pauses(pauses.size(), stats.p50(), stats.max(), pauses.stream().mapToDouble(Double::doubleValue).sum());
    }

    private List<Path> files() {
        try (Stream<Path> files = Files.list(DIRECTORY)) {
            return files.filter(f -> f.getFileName().toString().startsWith("gc-" + deployment + "-")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Removes the logs of earlier runs. */
    static void clear() {
        try (Stream<Path> files = Files.list(DIRECTORY)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("gc-")).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // nothing to clear
        }
    }
}
