package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.replicas.Cluster;
import dev.baton.support.Metrics;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 9: a thousand sockets on one replica (2 cores). Opens them idle, then runs an agent loop on every one at
 * once against the simulator (each turn answers the previous turn's tool call, continuing by
 * {@code previous_response_id}), then adds a swarm of slow readers that ask for long replies and never read. Resident
 * memory is sampled throughout, heap after full GCs (JVM only); the replica's socket count is read from its metrics.
 * Reported per idle socket, per active socket, per slow reader — on the JVM and on the native executable.
 */
final class Sockets {

    /**
     * Memory figures are KiB per socket. On the JVM (a fixed, pre-touched heap) RSS is what lives outside the heap and
     * heap is read after full GCs; on the native executable RSS is everything and heap is NaN (no jcmd there).
     */
    record Point(String runtime, int sockets, double activeSeconds, int turns, int errors, double turnsPerSecond,
                 double rssIdleBaselineMib, double rssKibPerIdleSocket, double heapKibPerIdleSocket,
                 double rssKibPerActiveSocket, double heapKibPerActiveSocket, double rssPeakMib, int slowReaders,
                 double rssKibPerSlowReader, int slowReadersDropped) {
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    List<Point> run(boolean quick, String nativeExecutable) {
        int sockets = quick ? 100 : 1000;
        Duration active = Duration.ofSeconds(quick ? 3 : 20);
        int slow = quick ? 20 : 200;
        Map<String, String> env = Map.of("BATON_WS_MAX_SOCKETS_PER_TENANT", "5000",
                "BATON_LIMITS_MAX_IN_FLIGHT_TURNS", "5000", "BATON_SIMULATOR_REPLY_WORDS", "5000",
                "BATON_WS_MAX_AGE", "60m");
        List<Point> points = new ArrayList<>();
        // a fixed, pre-touched heap: the JVM's RSS then moves only with what lives outside the heap (buffers, stacks),
        // and the heap's share is read after full GCs
        Map<String, String> fixedHeap = new java.util.HashMap<>(env);
        fixedHeap.put("JAVA_TOOL_OPTIONS", "-Xms768m -Xmx768m -XX:+AlwaysPreTouch");
        try (Deployment jvm = Deployment.withSimulator("sockets", 1, 1000, 20, fixedHeap)) {
            points.add(measure("JVM", jvm, true, sockets, active, slow));
        }
        if (nativeExecutable != null) {
            try (Deployment image = Deployment.nativeWithSimulator("sockets-native", nativeExecutable, 1000, 20, env)) {
                points.add(measure("native", image, false, sockets, active, slow));
            }
        }
        return points;
    }

    private Point measure(String runtime, Deployment deployment, boolean jvm, int count, Duration active, int slow) {
        Cluster.Replica replica = deployment.replicas().get(0);
        URL url = deployment.replica(0);
        double heap0 = jvm ? heapAfterGc(replica) : Double.NaN;
        long rss0 = Machine.rssBytes(replica.pid());

        List<Wire.Socket> open = Collections.synchronizedList(new ArrayList<>());
        try {
            for (int i = 0; i < count; i++) {
                open.add(Wire.Socket.open(url));
            }
            double heapIdle = jvm ? heapAfterGc(replica) : Double.NaN;
            long rssIdle = Machine.rssBytes(replica.pid());

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger turns = new AtomicInteger();
            AtomicInteger errors = new AtomicInteger();
            List<Thread> agents = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Wire.Socket socket = open.get(i);
                Thread agent = new Thread(() -> loop(socket, stop, turns, errors), "agent-" + i);
                agent.setDaemon(true);
                agents.add(agent);
            }
            long started = System.nanoTime();
            agents.forEach(Thread::start);
            List<Long> rssActive = sample(replica, active);
            double heapActive = jvm ? heapAfterGc(replica) : Double.NaN; // agents still running: chains cached, turns in flight
            stop.set(true);
            for (Thread agent : agents) {
                join(agent);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long rssActiveMedian = median(rssActive);

            long rssBeforeSwarm = Machine.rssBytes(replica.pid());
            SlowSwarm swarm = new SlowSwarm(url, slow);
            double before = replica.gauge("baton_ws_connections");
            List<Long> rssSlow = sample(replica, Duration.ofSeconds(Math.max(2, active.toSeconds() / 2)));
            int dropped = (int) Math.max(0, before - replica.gauge("baton_ws_connections"));
            swarm.close();

            long peak = Math.max(Collections.max(rssActive), Collections.max(rssSlow));
            return new Point(runtime, count, seconds, turns.get(), errors.get(), turns.get() / seconds,
                    rss0 / 1048576.0, (rssIdle - rss0) / 1024.0 / count, (heapIdle - heap0) / 1024 / count,
                    (rssActiveMedian - rss0) / 1024.0 / count, (heapActive - heap0) / 1024 / count, peak / 1048576.0,
                    slow, (Collections.max(rssSlow) - rssBeforeSwarm) / 1024.0 / slow, dropped);
        } finally {
            open.forEach(Wire.Socket::close);
        }
    }

    /** One agent: each turn returns the previous turn's tool call output and continues from it. */
    private static void loop(Wire.Socket socket, AtomicBoolean stop, AtomicInteger turns, AtomicInteger errors) {
        String previous = null;
        String callId = null;
        while (!stop.get()) {
            ObjectNode create = Wire.JSON.createObjectNode();
            create.put("model", Deployment.AGENT_MODEL);
            if (previous != null) {
                create.put("previous_response_id", previous);
            }
            create.putArray("input").add(callId != null ? Agent.toolOutput(callId, "ok: step done") : Agent.user("start"));
            TurnResult result = socket.turn(create);
            if (result.failed()) {
                errors.incrementAndGet();
                return;
            }
            turns.incrementAndGet();
            JsonNode response = result.response();
            previous = response.path("id").asText();
            callId = Agent.lastCallId(response);
        }
    }

    /** Sockets that ask for a long reply and never read a frame of it: Baton's outbound bound must hold. */
    private static final class SlowSwarm implements AutoCloseable {
        private final List<WebSocket> sockets = new ArrayList<>();
        private final ConcurrentLinkedQueue<Integer> closes = new ConcurrentLinkedQueue<>();

        SlowSwarm(URL url, int count) {
            String target = url.toString().replaceFirst("^http", "ws") + "/v1/responses";
            for (int i = 0; i < count; i++) {
                WebSocket socket = CLIENT.newWebSocketBuilder().buildAsync(URI.create(target), new WebSocket.Listener() {
                    @Override
                    public void onOpen(WebSocket webSocket) {
                        // request nothing: the reader is stuck
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closes.add(statusCode);
                        return null;
                    }
                }).orTimeout(10, TimeUnit.SECONDS).join();
                socket.sendText("{\"type\":\"response.create\",\"model\":\"baton-simulator\",\"input\":\"tell me everything\"}",
                        true).join();
                sockets.add(socket);
            }
        }

        @Override
        public void close() {
            sockets.forEach(WebSocket::abort);
        }
    }

    private static List<Long> sample(Cluster.Replica replica, Duration period) {
        List<Long> samples = new ArrayList<>();
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            samples.add(Machine.rssBytes(replica.pid()));
            try {
                Thread.sleep(250); // the sampling period
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return samples;
    }

    private static long median(List<Long> samples) {
        List<Long> sorted = new ArrayList<>(samples.subList(samples.size() / 2, samples.size())); // the settled half
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static void join(Thread agent) {
        try {
            agent.join(Wire.TURN_DEADLINE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double heapAfterGc(Cluster.Replica replica) {
        Jcmd.run(replica.pid(), "GC.run");
        return Metrics.sum(replica.metrics(), "jvm_memory_used_bytes", "area=\"heap\"");
    }
}
