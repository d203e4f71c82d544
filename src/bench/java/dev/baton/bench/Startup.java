package dev.baton.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.replicas.Cluster;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 7 (and the process side of 6): from exec to the first answered {@code POST /v1/responses},
 * and resident memory idle and after a burst of turns — for the JVM jar and, when one was built, the
 * native executable, measured side by side.
 */
final class Startup {

    record Point(String runtime, Stats firstAnswerMs, Stats idleRssMib, Stats loadedRssMib, int errors) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    List<Point> run(int repetitions, int loadTurns, String nativeExecutable) {
        List<Point> points = new ArrayList<>();
        List<List<String>> runtimes = new ArrayList<>();
        runtimes.add(List.of("java", "-jar", System.getProperty("baton.jar", "target/quarkus-app/quarkus-run.jar")));
        if (nativeExecutable != null) {
            runtimes.add(List.of(nativeExecutable));
        }
        List<List<Double>> first = new ArrayList<>();
        List<List<Double>> idle = new ArrayList<>();
        List<List<Double>> loaded = new ArrayList<>();
        int[] errors = new int[runtimes.size()];
        for (int r = 0; r < runtimes.size(); r++) {
            first.add(new ArrayList<>());
            idle.add(new ArrayList<>());
            loaded.add(new ArrayList<>());
        }
        for (int rep = 0; rep < repetitions; rep++) {
            for (int r = 0; r < runtimes.size(); r++) { // interleaved: jvm, native, jvm, native, ...
                try {
                    double[] sample = once(runtimes.get(r), loadTurns);
                    first.get(r).add(sample[0]);
                    idle.get(r).add(sample[1]);
                    loaded.get(r).add(sample[2]);
                } catch (RuntimeException e) {
                    errors[r]++;
                    System.err.println("startup of " + runtimes.get(r) + " failed: " + e.getMessage());
                }
            }
        }
        for (int r = 0; r < runtimes.size(); r++) {
            points.add(new Point(r == 0 ? "jvm" : "native", Stats.of(first.get(r)), Stats.of(idle.get(r)),
                    Stats.of(loaded.get(r)), errors[r]));
        }
        return points;
    }

    /** {first answer ms, idle RSS MiB, RSS MiB after the load}. */
    private double[] once(List<String> command, int loadTurns) {
        int port = Cluster.freePort();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/bench/startup.log")));
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("BATON_SIMULATOR_TTFT_MS", "0");
        builder.environment().put("BATON_SIMULATOR_TOKENS_PER_SECOND", "0");
        builder.environment().put("QUARKUS_LOG_LEVEL", "WARN");
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
        }
        try {
            URL base = new URL("http://127.0.0.1:" + port);
            long deadline = started + TimeUnit.SECONDS.toNanos(60);
            while (!answers(base)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("no answer from " + command + " (see target/bench/startup.log)");
                }
                Thread.sleep(5);
            }
            double firstAnswer = Wire.millis(System.nanoTime() - started);
            double idleRss = Machine.rssBytes(process.pid()) / 1048576.0;
            for (int i = 0; i < loadTurns; i++) {
                ObjectNode body = Wire.JSON.createObjectNode();
                body.put("model", "baton-simulator").put("input", "load turn " + i);
                Wire.post(base, "/v1/responses", body);
            }
            double loadedRss = Machine.rssBytes(process.pid()) / 1048576.0;
            return new double[] {firstAnswer, idleRss, loadedRss};
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean answers(URL base) {
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/responses"))
                    .timeout(Duration.ofSeconds(2)).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"baton-simulator\",\"input\":\"hello\"}"))
                    .build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
