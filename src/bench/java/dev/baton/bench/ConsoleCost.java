package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the console costs the turn path (docs/console.md): the same WebSocket agent loop, interleaved round after round,
 * against Baton with the console off ({@code BATON_CONSOLE_ENABLED=false}), Baton with the console watched hard (two
 * live views at ten figures a second and the inspector reading the newest chain five times a second), and — given
 * {@code --before-jar} — the build from before the console existed. Client-side time to first delta and time per
 * turn, and Baton's own overhead histogram, per deployment; ratios against the console off.
 */
final class ConsoleCost {

    record Config(int agents, int turns, int rounds) {
        static Config quick() {
            return new Config(2, 4, 1);
        }

        static Config full() {
            return new Config(4, 30, 8);
        }
    }

    record Point(String deployment, String description, int turns, int errors, Stats firstDeltaMs, Stats turnMs,
                 double overheadP50Ms, double overheadP99Ms, long figuresRead, long inspections,
                 List<String> firstErrors) {
    }

    record Result(Config config, List<Point> points, Map<String, Double> ratios) {
    }

    /** WebSocket mode, chained, stored: every turn is in the hot cache and Redis, so the inspector has chains to read. */
    private static final Agent.Style STORED_SOCKET = new Agent.Style() {
        @Override
        public boolean chained() {
            return true;
        }

        @Override
        public boolean socket() {
            return true;
        }

        @Override
        public boolean unstored() {
            return false;
        }
    };

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static final class Samples {
        final List<Double> firstDelta = new ArrayList<>();
        final List<Double> turn = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        Histogram overhead = Histogram.empty();
    }

    Result run(Config config, Path beforeJar) throws IOException {
        // no simulated prefill: the turn's time is Baton's, so what the console adds is not lost in the engine's
        Map<String, String> engine = Map.of("BATON_SIMULATOR_PREFILL_US_PER_TOKEN", "0");
        Map<String, String> off = Map.of("BATON_CONSOLE_ENABLED", "false", "BATON_SIMULATOR_PREFILL_US_PER_TOKEN", "0");
        Map<String, String> watched = Map.of("BATON_CONSOLE_LIVE_INTERVAL", "100ms",
                "BATON_SIMULATOR_PREFILL_US_PER_TOKEN", "0");
        List<String> names = new ArrayList<>(List.of("console-off", "console-watched"));
        Map<String, String> descriptions = new LinkedHashMap<>();
        descriptions.put("console-off", "this build, BATON_CONSOLE_ENABLED=false");
        descriptions.put("console-watched", "this build, two live views at 10 figures/s + the inspector 5×/s");
        List<Deployment> deployments = new ArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        AtomicLong figures = new AtomicLong();
        AtomicLong inspections = new AtomicLong();
        ExecutorService watchers = Executors.newCachedThreadPool();
        try {
            deployments.add(Deployment.withSimulator("console-off", 1, 0, 0, off));
            deployments.add(Deployment.withSimulator("console-watched", 1, 0, 0, watched));
            if (beforeJar != null) {
                deployments.add(Deployment.nativeWithSimulator("before-console", wrapper(beforeJar), 0, 0, engine));
                names.add("before-console");
                descriptions.put("before-console", "the build before the console (--before-jar)");
            }
            URL watchedUrl = deployments.get(1).replica(0);
            for (int i = 0; i < 2; i++) {
                watchers.submit(() -> readLiveView(watchedUrl, watching, figures));
            }
            watchers.submit(() -> inspectNewest(watchedUrl, watching, inspections));

            List<Samples> samples = new ArrayList<>();
            deployments.forEach(d -> samples.add(new Samples()));
            for (int round = 0; round < config.rounds(); round++) {
                for (int i = 0; i < deployments.size(); i++) {
                    int index = (i + round) % deployments.size();
                    block(deployments.get(index), config, round, samples.get(index));
                }
            }
            watching.set(false);
            List<Point> points = new ArrayList<>();
            for (int i = 0; i < deployments.size(); i++) {
                Samples s = samples.get(i);
                String name = names.get(i);
                points.add(new Point(name, descriptions.get(name), s.firstDelta.size(), s.errors.size(),
                        Stats.of(s.firstDelta), Stats.of(s.turn), s.overhead.quantile(0.5) * 1000,
                        s.overhead.quantile(0.99) * 1000, name.equals("console-watched") ? figures.get() : 0,
                        name.equals("console-watched") ? inspections.get() : 0,
                        s.errors.stream().limit(3).toList()));
            }
            return new Result(config, points, ratios(points));
        } finally {
            watching.set(false);
            watchers.shutdownNow();
            deployments.forEach(Deployment::close);
        }
    }

    private static Map<String, Double> ratios(List<Point> points) {
        Map<String, Double> ratios = new LinkedHashMap<>();
        Point off = points.get(0);
        for (Point point : points.subList(1, points.size())) {
            ratios.put(point.deployment() + " / console-off: first delta p50",
                    point.firstDeltaMs().p50() / off.firstDeltaMs().p50());
            ratios.put(point.deployment() + " / console-off: turn p50", point.turnMs().p50() / off.turnMs().p50());
            ratios.put(point.deployment() + " / console-off: Baton overhead p50", point.overheadP50Ms() / off.overheadP50Ms());
        }
        return ratios;
    }

    private static void block(Deployment deployment, Config config, int round, Samples samples) {
        Histogram before = deployment.overhead("first_event");
        ExecutorService pool = Executors.newFixedThreadPool(config.agents());
        try {
            List<Future<Agent.Run>> runs = new ArrayList<>();
            for (int a = 0; a < config.agents(); a++) {
                long seed = 1_000L * round + a;
                runs.add(pool.submit(new Agent(STORED_SOCKET, deployment.replica(0), config.turns(), 1024, 256, seed)::run));
            }
            for (Future<Agent.Run> run : runs) {
                for (TurnResult turn : run.get().turns()) {
                    if (turn.failed()) {
                        samples.errors.add(turn.error());
                    } else {
                        samples.firstDelta.add(turn.firstDeltaMs());
                        samples.turn.add(turn.totalMs());
                    }
                }
            }
        } catch (Exception e) {
            samples.errors.add("block failed: " + e);
        } finally {
            pool.shutdownNow();
        }
        samples.overhead = samples.overhead.plus(deployment.overhead("first_event").minus(before));
    }

    /** A live view, as a browser holds it: read every figure as it comes. */
    private static void readLiveView(URL replica, AtomicBoolean watching, AtomicLong figures) {
        try {
            HttpResponse<java.io.InputStream> stream = HTTP.send(HttpRequest.newBuilder(
                    URI.create(replica + "/console/api/live/stream")).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String line;
                while (watching.get() && (line = lines.readLine()) != null) {
                    if (line.startsWith("data: ")) {
                        figures.incrementAndGet();
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the deployment stopped
        }
    }

    /** An operator with the inspector open on the newest chain, refreshing it five times a second. */
    private static void inspectNewest(URL replica, AtomicBoolean watching, AtomicLong inspections) {
        while (watching.get()) {
            try {
                JsonNode live = Wire.JSON.readTree(HTTP.send(HttpRequest.newBuilder(
                        URI.create(replica + "/console/api/live")).build(), HttpResponse.BodyHandlers.ofString()).body());
                String newest = live.at("/recent/0/response_id").asText("");
                if (!newest.isEmpty()) {
                    HTTP.send(HttpRequest.newBuilder(URI.create(replica + "/console/api/chains/" + newest + "?limit=50"))
                            .build(), HttpResponse.BodyHandlers.discarding());
                    inspections.incrementAndGet();
                }
                Thread.sleep(200);
            } catch (IOException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** An executable that runs {@code jar} as the replicas run the built one. */
    private static String wrapper(Path jar) throws IOException {
        Path script = Files.createTempFile("baton-before", ".sh",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(script, "#!/bin/sh\nexec java -jar " + jar.toAbsolutePath() + " \"$@\"\n");
        script.toFile().deleteOnExit();
        return script.toString();
    }

    /** console-cost.md: the table and the ratios. */
    static void write(Path out, Result result) throws IOException {
        StringBuilder md = new StringBuilder("# What the console costs a turn\n\n");
        md.append(String.format("WebSocket mode, %d agents × %d chained stored turns per block, %d rounds, blocks interleaved"
                        + " in a rotating order; the simulator answers at once with no prefill cost (Baton-bound). Generated by"
                        + " `Bench --only console`.%n%n", result.config().agents(), result.config().turns(),
                result.config().rounds()));
        md.append("| deployment | turns | errors | first delta p50 / p99 ms | turn p50 / p99 ms | Baton overhead p50 / p99 ms"
                + " | figures read | inspections |\n|---|---|---|---|---|---|---|---|\n");
        for (Point p : result.points()) {
            md.append(String.format("| %s — %s | %d | %d | %.2f / %.2f | %.2f / %.2f | %.3f / %.3f | %d | %d |%n",
                    p.deployment(), p.description(), p.turns(), p.errors(), p.firstDeltaMs().p50(), p.firstDeltaMs().p99(),
                    p.turnMs().p50(), p.turnMs().p99(), p.overheadP50Ms(), p.overheadP99Ms(), p.figuresRead(),
                    p.inspections()));
        }
        md.append("\n| ratio | value |\n|---|---|\n");
        result.ratios().forEach((name, value) -> md.append(String.format("| %s | %.3f |%n", name, value)));
        Files.writeString(out.resolve("console-cost.md"), md.toString());
        Wire.JSON.copy().enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                .writeValue(out.resolve("console-cost.json").toFile(), result);
    }
}
