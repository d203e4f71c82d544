package dev.baton.replicas;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.FakeChatServer;
import dev.baton.support.WsClient;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * Faults under load: agent loops run over WebSocket through HAProxy against two jar replicas sharing one Redis and an
 * OpenAI-compatible engine, while Redis is SIGKILLed and restarted, the engine stalls, answers 503 and drops streams
 * mid-way, one replica is SIGKILLed and another SIGTERMed (both restarted). Pass: every turn a client saw
 * {@code response.completed} for is continuable afterwards through the load balancer, no continuation ever met
 * {@code previous_response_not_found}, every turn that did not complete ended with a clear terminal event or its
 * socket's loss, and the service serves again by itself after each fault. The counts are printed
 * (docs/reliability.md).
 */
class FaultsUnderLoadIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int AGENTS = 8;
    private static final Duration PHASE = Duration.ofSeconds(60);

    /** One client running an agent loop: each turn continues from its last completed response. */
    private static final class Agent extends Thread {
        final URL front;
        final List<String> completed = new CopyOnWriteArrayList<>();
        final Map<String, Integer> failures = new ConcurrentHashMap<>();
        final AtomicInteger cut = new AtomicInteger();
        final AtomicInteger connects = new AtomicInteger();
        final List<String> lost = new CopyOnWriteArrayList<>();
        volatile boolean stopping;
        private WsClient ws;
        private int turn;

        Agent(URL front, int index) {
            super("agent-" + index);
            this.front = front;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!stopping) {
                if (ws == null || ws.isClosed()) {
                    ws = connect();
                    if (ws == null) {
                        continue;
                    }
                }
                String previous = completed.isEmpty() ? null : completed.get(completed.size() - 1);
                Map<String, Object> create = new HashMap<>(Map.of("type", "response.create", "model", "fake-model",
                        "input", getName() + " turn " + (++turn)));
                if (previous != null) {
                    create.put("previous_response_id", previous);
                }
                JsonNode last;
                try {
                    ws.send(create);
                    last = untilTerminalOrClosed();
                } catch (RuntimeException | AssertionError broken) {
                    last = null;
                }
                if (last == null) {
                    cut.incrementAndGet();
                    ws.close();
                    ws = null;
                    continue;
                }
                String type = last.path("type").asText();
                if (type.equals("response.completed")) {
                    completed.add(last.at("/response/id").asText());
                    continue;
                }
                String code = type.equals("error") ? last.at("/error/code").asText()
                        : last.at("/response/error/code").asText(last.at("/response/status").asText());
                failures.merge(type + ":" + code, 1, Integer::sum);
                if (code.equals("previous_response_not_found")) {
                    lost.add(previous);
                }
            }
            if (ws != null) {
                ws.close();
            }
        }

        private JsonNode untilTerminalOrClosed() {
            while (true) {
                JsonNode frame = ws.nextUnlessClosed(Duration.ofSeconds(30));
                if (frame == null || WsClient.terminal(frame)) {
                    return frame;
                }
            }
        }

        private WsClient connect() {
            try {
                WsClient client = WsClient.connect(front);
                connects.incrementAndGet();
                return client;
            } catch (RuntimeException refused) { // no replica up behind the balancer yet: try again shortly
                try {
                    Thread.sleep(100); // back-off of a reconnecting client, not a wait for a condition
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopping = true;
                }
                return null;
            }
        }

        int failed() {
            return failures.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private static int total(List<Agent> agents, java.util.function.ToIntFunction<Agent> count) {
        return agents.stream().mapToInt(count).sum();
    }

    /** Waits until {@code count} grew by {@code by} from now: the load saw the fault, or recovered from it. */
    private static void awaitGrowth(String what, IntSupplier count, int by) {
        int from = count.getAsInt();
        await(what).atMost(PHASE).pollInterval(Duration.ofMillis(20)).until(() -> count.getAsInt() >= from + by);
    }

    @Test
    void completedTurnsSurviveRedisEngineAndReplicaFaultsUnderLoad() throws Exception {
        FakeChatServer engine = new FakeChatServer();
        Map<String, String> env = new HashMap<>();
        engine.start().forEach((key, value) -> env.put(key.toUpperCase(Locale.ROOT).replaceAll("[.-]", "_"), value));
        env.putAll(Map.of("BATON_REDIS_DURABILITY", "sync", "BATON_REDIS_ON_WRITE_FAILURE", "fail",
                "BATON_REDIS_TIMEOUT", "500ms", "BATON_REDIS_WRITE_ATTEMPTS", "2", "BATON_UPSTREAM_RETRIES", "1",
                "BATON_DRAIN_TIMEOUT", "5s", "QUARKUS_SHUTDOWN_TIMEOUT", "2s"));
        Map<String, Integer> faults = new TreeMap<>();
        List<Agent> agents = new ArrayList<>();
        try (Cluster cluster = Cluster.withDurableRedis(2, env)) {
            for (int i = 0; i < AGENTS; i++) {
                Agent agent = new Agent(cluster.front(), i);
                agents.add(agent);
                agent.start();
            }
            IntSupplier completed = () -> total(agents, a -> a.completed.size());
            IntSupplier failed = () -> total(agents, Agent::failed);
            IntSupplier cut = () -> total(agents, a -> a.cut.get());
            awaitGrowth("warm-up", completed, 100);

            cluster.redis().kill();
            faults.merge("redis SIGKILL", 1, Integer::sum);
            awaitGrowth("turns fail clearly while Redis is down", failed, 10);
            cluster.redis().launch();
            awaitGrowth("turns complete again after Redis restarts", completed, 50);

            for (String mode : List.of("[stall]", "[overloaded]", "[disconnect]")) {
                FakeChatServer.forcedMode = mode;
                faults.merge("engine " + mode, 1, Integer::sum);
                awaitGrowth("turns fail clearly while the engine is " + mode, failed, AGENTS);
                FakeChatServer.forcedMode = null;
                awaitGrowth("turns complete again after engine " + mode, completed, 50);
            }

            Cluster.Replica first = cluster.replicas().get(0);
            first.kill();
            faults.merge("replica SIGKILL", 1, Integer::sum);
            awaitGrowth("the other replica serves after a SIGKILL", completed, 50);
            cluster.launch(first);
            Cluster.Replica second = cluster.replicas().get(1);
            second.terminate();
            faults.merge("replica SIGTERM", 1, Integer::sum);
            second.waitForExit();
            awaitGrowth("the restarted replica serves after the other's SIGTERM", completed, 50);
            cluster.launch(second);
            awaitGrowth("both replicas back", completed, 50);
            for (Agent agent : agents) {
                awaitGrowth(agent.getName() + " completes turns again", agent.completed::size, 3);
            }

            agents.forEach(agent -> agent.stopping = true);
            for (Agent agent : agents) {
                agent.join(Duration.ofSeconds(40).toMillis());
                assertTrue(!agent.isAlive(), agent.getName() + " did not stop");
            }

            List<String> notResumable = new ArrayList<>();
            int checked = 0;
            for (Agent agent : agents) {
                for (String id : agent.completed) {
                    checked++;
                    if (!continuable(cluster.front(), id)) {
                        notResumable.add(id);
                    }
                }
            }
            Map<String, Integer> failures = new TreeMap<>();
            agents.forEach(agent -> agent.failures.forEach((code, n) -> failures.merge(code, n, Integer::sum)));
            List<String> lost = agents.stream().flatMap(agent -> agent.lost.stream()).toList();
            System.out.printf("faults under load: %d agents, faults %s; turns completed %d (all %d checked continuable"
                            + " afterwards: %d not), ended clearly without completing %d %s, cut with their socket %d,"
                            + " reconnections %d, continuations that met previous_response_not_found %d%n",
                    AGENTS, faults, completed.getAsInt(), checked, notResumable.size(), failed.getAsInt(), failures,
                    cut.getAsInt(), total(agents, a -> a.connects.get()) - AGENTS, lost.size());
            assertEquals(List.of(), notResumable, "completed turns lost");
            assertEquals(List.of(), lost, "continuations of completed turns refused as not found");
        } finally {
            agents.forEach(agent -> agent.stopping = true);
            FakeChatServer.forcedMode = null;
            engine.stop();
        }
    }

    /** Whether a turn can continue from {@code id} now, through the load balancer (on whichever replica it lands). */
    private static boolean continuable(URL front, String id) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", "fake-model", "previous_response_id", id,
                "input", "check", "store", false));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(front + "/v1/responses"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 && JSON.readTree(response.body()).path("status").asText().equals("completed");
    }
}
