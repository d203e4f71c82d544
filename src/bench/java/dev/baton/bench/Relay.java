package dev.baton.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.replicas.Cluster;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Scenario 4: the most streamed events one replica relays (simulator at unlimited speed, many concurrent
 * streams) over WebSocket and HTTP/SSE, with the CPU Baton spends per 1,000 events — measured in the
 * same run against {@link RelayBaseline}, a minimal Vert.x WebSocket server sending identical frames.
 * The client runs on the same two cores, so the figures are this machine's practical limits.
 */
final class Relay {

    record Config(int streams, int seconds) {
    }

    record Point(String target, double eventsPerSecond, double tokensPerSecond, double cpuMsPer1000Events,
                 Stats turnMs, int turns, int errors, List<String> firstErrors) {
    }

    private final Deployment fast;

    Relay(Deployment fast) {
        this.fast = fast;
    }

    /**
     * @param nativeExecutable when given, the same load against a native replica too (run side by side with
     *                         the JVM replica, after it)
     */
    List<Point> run(Config config, String nativeExecutable) {
        List<Point> points = new ArrayList<>();
        long batonPid = fast.replicas().get(0).pid();
        URL baton = fast.replica(0);
        Point ws = measure("baton-ws", config, batonPid, () -> Wire.Socket.open(baton), true);
        points.add(ws);
        points.add(measure("baton-sse", config, batonPid, null, false));
        int deltasPerTurn = (int) Math.max(1, Math.round(ws.eventsPerSecond() / Math.max(1e-9, ws.turns() / (double) config.seconds())));
        points.add(baseline(config, deltasPerTurn));
        if (nativeExecutable != null) {
            try (Deployment nativeReplica = Deployment.nativeWithSimulator("native-relay", nativeExecutable, 0, 0,
                    java.util.Map.of("BATON_SIMULATOR_REPLY_WORDS", "400"))) {
                long pid = nativeReplica.replicas().get(0).pid();
                URL url = nativeReplica.replica(0);
                points.add(measure("baton-native-ws", config, pid, () -> Wire.Socket.open(url), true));
                points.add(new Relay(nativeReplica).measure("baton-native-sse", config, pid, null, false));
            }
        }
        return points;
    }

    private Point baseline(Config config, int deltasPerTurn) {
        int port = Cluster.freePort();
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                RelayBaseline.class.getName(), Integer.toString(port), Integer.toString(deltasPerTurn))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/bench/baseline.log")));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the relay baseline", e);
        }
        try {
            URL base = new URL("http://127.0.0.1:" + port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Wire.get(base, "/").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            return measure("vertx-baseline-ws", config, process.pid(), () -> Wire.Socket.open(base), true);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            process.destroyForcibly();
        }
    }

    Point measure(String target, Config config, long serverPid, Supplier<Wire.Socket> sockets, boolean socket) {
        ExecutorService pool = Executors.newFixedThreadPool(config.streams());
        long cpuBefore = Machine.cpuMillis(serverPid);
        long started = System.nanoTime();
        long until = started + TimeUnit.SECONDS.toNanos(config.seconds());
        List<Future<List<TurnResult>>> workers = new ArrayList<>();
        for (int i = 0; i < config.streams(); i++) {
            workers.add(pool.submit(() -> {
                List<TurnResult> turns = new ArrayList<>();
                try (Wire.Socket ws = socket ? sockets.get() : null) {
                    while (System.nanoTime() < until) {
                        ObjectNode body = Wire.JSON.createObjectNode();
                        body.put("model", "baton-simulator").put("input", "relay").put("store", false);
                        turns.add(ws != null ? ws.turn(body) : Wire.streamedTurn(fast.replica(0), body));
                    }
                }
                return turns;
            }));
        }
        List<Double> turnMs = new ArrayList<>();
        long events = 0;
        long tokens = 0;
        int errors = 0;
        List<String> firstErrors = new ArrayList<>();
        for (Future<List<TurnResult>> worker : workers) {
            try {
                for (TurnResult turn : worker.get()) {
                    if (turn.failed()) {
                        errors++;
                        if (firstErrors.size() < 3) {
                            firstErrors.add(turn.error());
                        }
                        continue;
                    }
                    turnMs.add(turn.totalMs());
                    events += turn.deltas();
                    tokens += turn.response().at("/usage/output_tokens").asLong();
                }
            } catch (Exception e) {
                errors++;
                if (firstErrors.size() < 3) {
                    firstErrors.add(e.toString());
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long cpu = Machine.cpuMillis(serverPid) - cpuBefore;
        pool.shutdownNow();
        return new Point(target, events / seconds, tokens / seconds, events == 0 ? Double.NaN : cpu * 1000.0 / events,
                Stats.of(turnMs), turnMs.size(), errors, firstErrors);
    }
}
