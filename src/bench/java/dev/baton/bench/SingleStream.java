package dev.baton.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.replicas.Cluster;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The single-stream ceiling (issue: one stream must keep pace with the fastest models): one client, one
 * stream, an engine that streams as fast as the socket takes it ({@link FloodEngine}, its own process,
 * spoken to over {@code openai-chat}) — Baton over WebSocket mode and SSE against a bare Vert.x server
 * sending the same frames ({@link RelayBaseline}), rounds interleaved. Then a turn's fixed cost: short
 * chained WebSocket turns on the simulator with zero TTFT and unlimited speed, time to first delta in the
 * client, against the bare server's answer to a frame — with G1 (the JVM's default) and ZGC side by side.
 */
final class SingleStream {

    record Config(int tokens, int rounds, int chainedTurns, int warmUpTurns, boolean compareCollectors) {
    }

    /** One target's figures: delta events/s per stream and time to first delta (client-side), medians over rounds. */
    record Point(String target, String scenario, Stats deltasPerSecond, Stats ttfdMs, Stats turnMs,
                 double serverCpuMsPer1000Deltas, double serverCpuMsPerTurn, int turns, int errors, List<String> firstErrors) {
    }

    List<Point> run(Config config, String nativeExecutable) {
        List<Point> points = new ArrayList<>();
        int enginePort = Cluster.freePort();
        int baselinePort = Cluster.freePort();
        Process engine = java(FloodEngine.class.getName(), enginePort, config.tokens(), "flood-engine");
        Process baseline = java(RelayBaseline.class.getName(), baselinePort, config.tokens(), "baseline-single");
        try (StreamClient client = new StreamClient()) {
            URL engineUrl = await(enginePort);
            URL baselineUrl = await(baselinePort);
            Map<String, Target> targets = new LinkedHashMap<>();
            try (Deployment jvm = Deployment.withChatEngine("ceiling", engineUrl, null, Map.of());
                 Deployment nativeReplica = nativeExecutable == null ? null
                         : Deployment.withChatEngine("ceiling-native", engineUrl, nativeExecutable, Map.of())) {
                long batonPid = jvm.replicas().get(0).pid();
                targets.put("baton-ws", new Target(client, jvm.replica(0), Transport.WS, batonPid));
                targets.put("baton-ws-deflate", new Target(client, jvm.replica(0), Transport.WS_DEFLATE, batonPid));
                targets.put("baton-sse", new Target(client, jvm.replica(0), Transport.SSE, batonPid));
                if (nativeReplica != null) {
                    long nativePid = nativeReplica.replicas().get(0).pid();
                    targets.put("baton-native-ws", new Target(client, nativeReplica.replica(0), Transport.WS, nativePid));
                    targets.put("baton-native-sse", new Target(client, nativeReplica.replica(0), Transport.SSE, nativePid));
                }
                targets.put("vertx-baseline-ws", new Target(client, baselineUrl, Transport.WS, baseline.pid()));
                targets.put("vertx-baseline-ws-deflate", new Target(client, baselineUrl, Transport.WS_DEFLATE,
                        baseline.pid()));
                targets.values().forEach(target -> target.stream(Math.min(2_000, config.tokens()), 20)); // JIT warm-up
                targets.values().forEach(Target::reset);
                List<String> names = new ArrayList<>(targets.keySet());
                for (int round = 0; round < config.rounds(); round++) {
                    for (int i = 0; i < names.size(); i++) {
                        targets.get(names.get((round + i) % names.size())).stream(config.tokens(), 1);
                    }
                }
                targets.forEach((name, target) -> points.add(target.point(name, "single-stream")));
                targets.values().forEach(Target::close);
            }
        } finally {
            engine.destroyForcibly();
            baseline.destroyForcibly();
        }
        points.addAll(turnLatency(config, nativeExecutable));
        return points;
    }

    /** Short chained WebSocket turns with a zero-cost engine: the per-turn fixed path, as the client sees it. */
    private List<Point> turnLatency(Config config, String nativeExecutable) {
        List<Point> points = new ArrayList<>();
        int baselinePort = Cluster.freePort();
        Process baseline = java(RelayBaseline.class.getName(), baselinePort, 24, "baseline-turns");
        // a zero-cost engine: no TTFT, no speed limit, and no prefill (the simulator would wait out its charge for
        // the new tokens on a timer of millisecond granularity)
        Map<String, String> env = Map.of("BATON_SIMULATOR_REPLY_WORDS", "24", "BATON_SIMULATOR_PREFILL_US_PER_TOKEN", "0");
        Map<String, String> zgc = new java.util.HashMap<>(env);
        zgc.put("JAVA_TOOL_OPTIONS", "-XX:+UseZGC");
        try (StreamClient client = new StreamClient();
             Deployment jvm = Deployment.withSimulator("turns", 1, 0, 0, env);
             Deployment jvmZgc = config.compareCollectors() ? Deployment.withSimulator("turns-zgc", 1, 0, 0, zgc) : null;
             Deployment nativeReplica = nativeExecutable == null ? null
                     : Deployment.nativeWithSimulator("turns-native", nativeExecutable, 0, 0, env)) {
            URL baselineUrl = await(baselinePort);
            Map<String, Target> targets = new LinkedHashMap<>();
            targets.put("baton-ws", new Target(client, jvm.replica(0), Transport.WS, jvm.replicas().get(0).pid()));
            if (jvmZgc != null) {
                targets.put("baton-ws-zgc", new Target(client, jvmZgc.replica(0), Transport.WS,
                        jvmZgc.replicas().get(0).pid()));
            }
            if (nativeReplica != null) {
                targets.put("baton-native-ws", new Target(client, nativeReplica.replica(0), Transport.WS,
                        nativeReplica.replicas().get(0).pid()));
            }
            targets.put("vertx-baseline-ws", new Target(client, baselineUrl, Transport.WS, baseline.pid()));
            targets.values().forEach(target -> target.chain(config.warmUpTurns())); // the JIT compiler's work first
            targets.values().forEach(Target::reset);
            List<String> names = new ArrayList<>(targets.keySet());
            int blocks = 10;
            for (int block = 0; block < blocks; block++) {
                for (int i = 0; i < names.size(); i++) {
                    targets.get(names.get((block + i) % names.size())).chain(config.chainedTurns() / blocks);
                }
            }
            targets.forEach((name, target) -> points.add(target.point(name, "chained-turn")));
            targets.values().forEach(Target::close);
        } finally {
            baseline.destroyForcibly();
        }
        return points;
    }

    private enum Transport { WS, WS_DEFLATE, SSE }

    /** One thing measured: a replica over one transport, or the baseline. */
    private static final class Target implements AutoCloseable {
        private final StreamClient client;
        private final URL url;
        private final long serverPid;
        private long serverCpuMs;
        private long deltas;
        private final StreamClient.Session socket;
        private final List<Double> rates = new ArrayList<>();
        private final List<Double> ttfd = new ArrayList<>();
        private final List<Double> total = new ArrayList<>();
        private final List<String> firstErrors = new ArrayList<>();
        private int errors;
        private String previous;

        Target(StreamClient client, URL url, Transport transport, long serverPid) {
            this.client = client;
            this.url = url;
            this.serverPid = serverPid;
            this.socket = transport == Transport.SSE ? null : client.connect(url, transport == Transport.WS_DEFLATE);
        }

        void stream(int tokens, int times) {
            for (int i = 0; i < times; i++) {
                ObjectNode create = Wire.JSON.createObjectNode().put("model", "flood").put("input", "stream")
                        .put("store", false).put("max_output_tokens", tokens);
                long cpu = Machine.cpuMillis(serverPid);
                StreamClient.Run run = socket != null ? socket.turn(create.put("type", "response.create").toString()).join()
                        : client.streamed(url, create.put("stream", true).toString()).join();
                serverCpuMs += Machine.cpuMillis(serverPid) - cpu;
                record(run);
            }
        }

        void chain(int turns) {
            for (int i = 0; i < turns; i++) {
                ObjectNode create = Wire.JSON.createObjectNode().put("type", "response.create")
                        .put("model", "baton-simulator").put("input", "next").put("store", false);
                if (previous != null) {
                    create.put("previous_response_id", previous);
                }
                long cpu = Machine.cpuMillis(serverPid);
                StreamClient.Run run = socket.turn(create.toString()).join();
                serverCpuMs += Machine.cpuMillis(serverPid) - cpu;
                previous = run.failed() ? null : run.responseId();
                record(run);
            }
        }

        private void record(StreamClient.Run run) {
            if (run.failed()) {
                errors++;
                if (firstErrors.size() < 3) {
                    firstErrors.add(run.error());
                }
                return;
            }
            if (!Double.isNaN(run.deltasPerSecond())) {
                rates.add(run.deltasPerSecond());
            }
            ttfd.add(run.ttfdMs());
            total.add(run.totalMs());
            deltas += run.deltas();
        }

        void reset() {
            rates.clear();
            ttfd.clear();
            total.clear();
            firstErrors.clear();
            errors = 0;
            serverCpuMs = 0;
            deltas = 0;
        }

        Point point(String name, String scenario) {
            Point point = new Point(name, scenario, Stats.of(rates), Stats.of(ttfd), Stats.of(total),
                    deltas == 0 ? Double.NaN : serverCpuMs * 1000.0 / deltas,
                    total.isEmpty() ? Double.NaN : serverCpuMs / (double) total.size(), total.size(), errors, List.copyOf(firstErrors));
            Bench.log(String.format("  %-26s %-14s %9.0f deltas/s  ttfd p50 %.3f ms  turn p50 %.2f ms  cpu %.1f ms/1k"
                    + "  (%d turns, %d errors)", name, scenario, point.deltasPerSecond().p50(), point.ttfdMs().p50(),
                    point.turnMs().p50(), point.serverCpuMsPer1000Deltas(), point.turns(), errors));
            return point;
        }

        @Override
        public void close() {
            if (socket != null) {
                socket.close();
            }
        }
    }

    private static Process java(String mainClass, int port, int count, String log) {
        try {
            return new ProcessBuilder("java", "-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass,
                    Integer.toString(port), Integer.toString(count)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/bench/" + log + ".log"))).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + mainClass, e);
        }
    }

    static URL await(int port) {
        try {
            URL url = new URL("http://127.0.0.1:" + port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Wire.get(url, "/").isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("nothing listens on " + url + " after 30 s");
                }
                Thread.sleep(50);
            }
            return url;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
