package dev.baton.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of three masters on free loopback ports ({@code redis-server --cluster-enabled yes}, joined
 * by {@code redis-cli --cluster create}), for the tests of Baton against cluster mode; the application gets the
 * three nodes and {@code quarkus.redis.client-type=cluster}.
 */
public class RedisCluster implements QuarkusTestResourceLifecycleManager {

    private static final int NODES = 3;
    private static volatile RedisCluster current;
    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    @Override
    public Map<String, String> start() {
        current = this;
        String binary = System.getenv().getOrDefault("BATON_REDIS_SERVER", "redis-server");
        for (int i = 0; i < NODES; i++) {
            int port = freePortWithBus();
            File dir = new File("target/redis-cluster-" + port);
            dir.mkdirs();
            try {
                processes.add(new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--protected-mode", "no", "--cluster-enabled", "yes",
                        "--cluster-config-file", new File(dir, "nodes.conf").getAbsolutePath(),
                        "--cluster-node-timeout", "5000", "--dir", dir.getAbsolutePath())
                        .redirectErrorStream(true).redirectOutput(new File(dir, "redis.log")).start());
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + binary + " (install redis-server)", e);
            }
            ports.add(port);
        }
        for (int port : ports) {
            await(port, "PING", "PONG");
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(port -> create.add("127.0.0.1:" + port));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        String created = run(create);
        if (!created.contains("All 16384 slots covered")) {
            throw new IllegalStateException("the cluster was not created:\n" + created);
        }
        for (int port : ports) {
            await(port, "CLUSTER INFO", "cluster_state:ok");
        }
        return Map.of("baton.redis.url", ports.stream().map(port -> "redis://127.0.0.1:" + port)
                        .collect(Collectors.joining(",")),
                "quarkus.redis.client-type", "cluster");
    }

    @Override
    public void stop() {
        for (Process process : processes) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How many keys each master holds now. */
    public static List<Integer> keysPerNode() {
        List<Integer> counts = new ArrayList<>();
        for (int port : current.ports) {
            counts.add(Integer.parseInt(run(List.of("redis-cli", "-p", Integer.toString(port), "DBSIZE")).strip()));
        }
        return counts;
    }

    /** Waits until {@code command} on the node answers with text containing {@code expected}. */
    private static void await(int port, String command, String expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> cli = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        cli.addAll(List.of(command.split(" ")));
        String answer = "";
        while (System.nanoTime() < deadline) {
            answer = run(cli);
            if (answer.contains(expected)) {
                return;
            }
            try {
                Thread.sleep(50); // poll interval, bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("node " + port + " never answered " + expected + " to " + command + ": " + answer);
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(30, TimeUnit.SECONDS);
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + " (install redis-tools)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** A free port whose cluster bus port (+10000) is free too. */
    private static int freePortWithBus() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = freePort();
            if (port + 10000 < 65536 && isFree(port + 10000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair for a cluster node");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
