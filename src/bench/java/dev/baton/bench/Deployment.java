package dev.baton.bench;

import dev.baton.replicas.Cluster;
import dev.baton.support.Metrics;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Baton as users deploy it, on loopback: replicas from the built jar, a real redis-server, a real
 * HAProxy (round robin) in front, and an engine — the simulator, in each replica or as one shared
 * engine process. The simulator plays an agent: every turn a short text and one {@code exec_command}
 * call, at the profile's token rate.
 */
final class Deployment implements AutoCloseable {

    static final String AGENT_MODEL = "bench-agent";
    private static final String SCRIPT = """
            {"scenarios": {"bench-agent": {"repeat": true, "turns": [
              {"text": "Running the next step of the plan now.",
               "function_calls": [{"name": "exec_command", "arguments": {"cmd": "make step-{turn}"}}]}]}}}
            """;

    final String name;
    private final Cluster cluster;

    private Deployment(String name, Cluster cluster) {
        this.name = name;
        this.cluster = cluster;
    }

    /**
     * Replicas that each run the simulator in-process: what Baton alone costs, with no engine hop.
     *
     * @param tokensPerSecond the simulator's output rate (0: as fast as the client reads)
     * @param ttftMs          the simulator's time to first token
     */
    static Deployment withSimulator(String name, int replicas, double tokensPerSecond, long ttftMs,
                                    Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("BATON_SIMULATOR_SCRIPT", script().toString());
        env.put("BATON_SIMULATOR_TOKENS_PER_SECOND", Double.toString(tokensPerSecond));
        env.put("BATON_SIMULATOR_TTFT_MS", Long.toString(ttftMs));
        return start(name, replicas, env);
    }

    /**
     * Gateway replicas in front of one shared engine (the {@code openai-responses} protocol over HTTP), as
     * users deploy them: every replica reaches the same engine and the same prefix cache, so a turn that
     * lands on another replica costs the gateway, not a cold engine.
     */
    static Deployment withEngine(String name, int replicas, URL engine, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("BATON_ENGINE", "openai-responses");
        env.put("BATON_UPSTREAM_URL", engine + "/v1");
        return start(name, replicas, env);
    }

    /**
     * Gateway replicas in front of one shared engine speaking {@code protocol} ({@code openai-chat},
     * {@code openai-completions}, …), warmed up with the agent's turns (the engine must answer each with a tool call).
     */
    static Deployment withUpstream(String name, int replicas, String protocol, URL engine, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("BATON_ENGINE", protocol);
        env.put("BATON_UPSTREAM_URL", engine + "/v1");
        return start(name, replicas, env);
    }

    /**
     * One replica in front of an OpenAI-compatible chat-completions engine ({@code openai-chat}), not warmed up
     * with the agent script (the engine may not speak it): the scenario warms it up with its own turns.
     */
    static Deployment withChatEngine(String name, URL engine, String executable, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("BATON_ENGINE", "openai-chat");
        env.put("BATON_UPSTREAM_URL", engine + "/v1");
        env.putIfAbsent("QUARKUS_LOG_LEVEL", "WARN");
        return new Deployment(name, executable == null ? Cluster.start(1, env) : Cluster.start(1, env, executable));
    }

    /** As {@link #withSimulator}, running the native executable instead of the jar. */
    static Deployment nativeWithSimulator(String name, String executable, double tokensPerSecond, long ttftMs,
                                          Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("BATON_SIMULATOR_SCRIPT", script().toString());
        env.put("BATON_SIMULATOR_TOKENS_PER_SECOND", Double.toString(tokensPerSecond));
        env.put("BATON_SIMULATOR_TTFT_MS", Long.toString(ttftMs));
        env.putIfAbsent("QUARKUS_LOG_LEVEL", "WARN");
        Deployment deployment = new Deployment(name, Cluster.start(1, env, executable));
        deployment.warmUp();
        return deployment;
    }

    private static Deployment start(String name, int replicas, Map<String, String> env) {
        env.putIfAbsent("QUARKUS_LOG_LEVEL", "WARN");
        Deployment deployment = new Deployment(name, Cluster.start(replicas, env));
        deployment.warmUp();
        return deployment;
    }

    /**
     * Runs every code path the scenarios measure on every replica before anything is measured, so the
     * JIT compiler's first minutes do not land on the first mode of the first round.
     */
    private void warmUp() {
        for (int r = 0; r < cluster.replicas().size(); r++) {
            URL replica = replica(r);
            for (Mode mode : Mode.values()) {
                Agent.Run run = new Agent(mode, replica, 8, 512, 256, 42 + r).run();
                if (run.failed()) {
                    throw new IllegalStateException("warm-up of " + name + " failed: " + run.turns());
                }
            }
        }
    }

    private static Path script() {
        try {
            Path file = Path.of("target/bench/simulator-script.json");
            Files.createDirectories(file.getParent());
            Files.writeString(file, SCRIPT);
            return file.toAbsolutePath();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the simulator script", e);
        }
    }

    /** HAProxy in front of every replica. */
    URL front() {
        return cluster.front();
    }

    URL replica(int index) {
        return cluster.replicas().get(index).url();
    }

    List<Cluster.Replica> replicas() {
        return cluster.replicas();
    }

    /** Baton's own gateway-overhead histogram, summed over the replicas. */
    Histogram overhead(String stage) {
        Histogram sum = Histogram.empty();
        for (Cluster.Replica replica : cluster.replicas()) {
            sum = sum.plus(Histogram.parse(replica.metrics(), "baton_gateway_overhead_seconds", "stage", stage));
        }
        return sum;
    }

    /** A counter summed over the replicas (samples whose labels contain {@code label}; "" for all). */
    double counter(String name, String label) {
        double sum = 0;
        for (Cluster.Replica replica : cluster.replicas()) {
            String exposition = replica.metrics();
            sum += label.isEmpty() ? Math.max(0, Metrics.value(exposition, name)) : Metrics.sum(exposition, name, label);
        }
        return sum;
    }

    @Override
    public void close() {
        cluster.close();
    }
}
