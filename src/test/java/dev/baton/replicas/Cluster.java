package dev.baton.replicas;

import static org.awaitility.Awaitility.await;

import dev.baton.support.Metrics;
import dev.baton.support.RedisServer;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Baton as users run it: several replicas from the built jar, one real redis-server and a real
 * HAProxy in front (health-checked on /q/health/ready, WebSocket tunnels), all on loopback ports.
 */
public final class Cluster implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final RedisServer redis;
    private final List<Replica> replicas = new ArrayList<>();
    private final Map<String, String> env;
    private final int frontPort = freePort();
    private Process haproxy;
    private String executable;

    private Cluster(Map<String, String> env, RedisServer redis) {
        this.env = env;
        this.redis = redis;
    }

    public static Cluster start(int size, Map<String, String> env) {
        return start(size, env, null);
    }

    /** @param executable a native executable to run instead of the jar, or {@code null} for the jar */
    public static Cluster start(int size, Map<String, String> env, String executable) {
        return start(size, env, executable, new RedisServer());
    }

    /** A cluster whose Redis keeps every acknowledged write across a SIGKILL (see {@link RedisServer#RedisServer(boolean)}). */
    public static Cluster withDurableRedis(int size, Map<String, String> env) {
        return start(size, env, null, new RedisServer(true));
    }

    private static Cluster start(int size, Map<String, String> env, String executable, RedisServer redis) {
        Cluster cluster = new Cluster(env, redis);
        cluster.executable = executable;
        try {
            cluster.redis.start();
            for (int i = 0; i < size; i++) {
                Replica replica = new Replica("r" + (i + 1), freePort());
                cluster.replicas.add(replica);
                cluster.launch(replica);
            }
            cluster.startHaproxy();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    public URL front() {
        try {
            return new URL("http://127.0.0.1:" + frontPort);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public RedisServer redis() {
        return redis;
    }

    public List<Replica> replicas() {
        return replicas;
    }

    /** The replica holding {@code count} open WebSockets (read from each replica's metrics). */
    Replica withOpenSockets(int count) {
        for (Replica replica : replicas) {
            if (replica.alive() && replica.gauge("baton_ws_connections") == count) {
                return replica;
            }
        }
        throw new AssertionError("no replica holds " + count + " WebSockets");
    }

    void launch(Replica replica) {
        String jar = System.getProperty("baton.jar", "target/quarkus-app/quarkus-run.jar");
        ProcessBuilder builder = (executable != null ? new ProcessBuilder(executable) : new ProcessBuilder("java", "-jar", jar))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/replica-" + replica.name + ".log")));
        builder.environment().putAll(env);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(replica.port));
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("BATON_REDIS_URL", redis.url());
        try {
            replica.process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a replica", e);
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> replica.ready() || !replica.process.isAlive());
        if (!replica.process.isAlive()) {
            throw new IllegalStateException("replica " + replica.name + " exited; see target/replica-" + replica.name + ".log");
        }
        // HAProxy needs two good health checks (rise 2, every 200 ms) before it routes to a (re)started replica
        if (haproxy != null) {
            await().atMost(Duration.ofSeconds(10)).until(() -> haproxyRoutesTo(replica));
        }
    }

    private boolean haproxyRoutesTo(Replica replica) throws Exception {
        HttpResponse<String> stats = HTTP.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + frontPort + "/haproxy-stats;csv")).build(), HttpResponse.BodyHandlers.ofString());
        return stats.body().lines().anyMatch(line -> line.startsWith("baton," + replica.name + ",") && line.contains(",UP,"));
    }

    private void startHaproxy() {
        StringBuilder cfg = new StringBuilder("""
                global
                  maxconn 2000
                defaults
                  mode http
                  timeout connect 1s
                  timeout client 60s
                  timeout server 60s
                  timeout tunnel 1h
                  retries 3
                  option redispatch
                frontend front
                  bind 127.0.0.1:%d
                  stats enable
                  stats uri /haproxy-stats
                  default_backend baton
                backend baton
                  balance roundrobin
                  option httpchk GET /q/health/ready
                  default-server inter 200ms fall 1 rise 2
                """.formatted(frontPort));
        for (Replica replica : replicas) {
            cfg.append("  server ").append(replica.name).append(" 127.0.0.1:").append(replica.port).append(" check\n");
        }
        try {
            Path file = Path.of("target/haproxy-" + frontPort + ".cfg");
            Files.writeString(file, cfg);
            haproxy = new ProcessBuilder("haproxy", "-db", "-f", file.toString()).redirectErrorStream(true)
                    .redirectOutput(new File("target/haproxy-" + frontPort + ".log")).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start haproxy (apt-get install haproxy)", e);
        }
        // a loaded CI machine can take a while to run HAProxy's first checks; a HAProxy that died says why at once
        await().atMost(Duration.ofSeconds(60)).until(() -> !haproxy.isAlive() || replicas.stream().allMatch(r -> {
            try {
                return haproxyRoutesTo(r);
            } catch (Exception e) {
                return false;
            }
        }));
        if (!haproxy.isAlive()) {
            String log;
            try {
                log = Files.readString(Path.of("target/haproxy-" + frontPort + ".log"));
            } catch (IOException e) {
                log = e.toString();
            }
            throw new IllegalStateException("haproxy exited (" + haproxy.exitValue() + "):\n" + log);
        }
    }

    @Override
    public void close() {
        if (haproxy != null) {
            haproxy.destroyForcibly();
        }
        replicas.forEach(Replica::kill);
        redis.kill();
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static final class Replica {
        public final String name;
        public final int port;
        Process process;

        Replica(String name, int port) {
            this.name = name;
            this.port = port;
        }

        public boolean alive() {
            return process != null && process.isAlive();
        }

        boolean ready() {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }

        public double gauge(String name) {
            return Metrics.value(metrics(), name);
        }

        /** The replica's Prometheus exposition; empty when it cannot be read. */
        public String metrics() {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException | InterruptedException e) {
                return "";
            }
        }

        /** The replica's operating-system process id. */
        public long pid() {
            return process.pid();
        }

        public URL url() {
            try {
                return new URL("http://127.0.0.1:" + port);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** SIGKILL: the replica vanishes mid-whatever. */
        public void kill() {
            if (process != null) {
                process.destroyForcibly();
                waitForExit();
            }
        }

        /** SIGTERM: a graceful drain, as Kubernetes does in a rolling restart. */
        void terminate() {
            process.destroy();
        }

        void waitForExit() {
            try {
                process.waitFor(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
