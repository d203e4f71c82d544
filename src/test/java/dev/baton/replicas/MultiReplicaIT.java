package dev.baton.replicas;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.support.Requests;
import dev.baton.support.WsClient;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.conversations.ConversationCreateParams;
import com.openai.models.conversations.items.ConversationItem;
import com.openai.models.conversations.items.ItemListParams;
import com.openai.models.responses.EasyInputMessage;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseRetrieveParams;
import com.openai.models.responses.ResponseStreamEvent;
import org.junit.jupiter.api.Test;

/**
 * Two replicas from the built jar (or the native executable named by {@code BATON_TEST_EXECUTABLE}) behind HAProxy,
 * sharing one Redis: a client that loses its replica
 * (SIGKILL, or a SIGTERM drain in a rolling restart) reconnects through the load balancer and
 * continues from its last completed response on the other replica, with nothing lost.
 */
class MultiReplicaIT {

    /** A native executable to run the replicas from (CI sets it after building one), else the jar. */
    private static final String EXECUTABLE = System.getenv("BATON_TEST_EXECUTABLE");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    // ~80 output tokens at 100 tokens/s: a turn stays in flight for most of a second
    private static final Map<String, String> ENV = Map.of("BATON_SIMULATOR_TTFT_MS", "0",
            "BATON_SIMULATOR_TOKENS_PER_SECOND", "100", "BATON_SIMULATOR_PREFILL_US_PER_TOKEN", "0",
            "BATON_DRAIN_TIMEOUT", "20s", "QUARKUS_SHUTDOWN_TIMEOUT", "2s");

    /** A conversation as the client keeps it: its transcript (for a full resend) and the last completed id. */
    private static final class Conversation {
        final String nonce = UUID.randomUUID().toString();
        final List<Object> transcript = new ArrayList<>();
        final List<String> completedIds = new ArrayList<>();
        int turns;

        Map<String, Object> nextCreate() {
            turns++;
            Map<String, Object> user = Map.of("role", "user", "content", "turn " + turns + " " + nonce);
            transcript.add(user);
            Map<String, Object> create = new HashMap<>(Map.of("type", "response.create", "model", "baton-simulator",
                    "input", List.of(user)));
            if (!completedIds.isEmpty()) {
                create.put("previous_response_id", last());
            }
            return create;
        }

        void completed(JsonNode response) {
            transcript.add(Requests.asMap(response.at("/output/0")));
            completedIds.add(response.get("id").asText());
        }

        String last() {
            return completedIds.get(completedIds.size() - 1);
        }
    }

    private static JsonNode completedResponse(List<JsonNode> frames) {
        JsonNode last = frames.get(frames.size() - 1);
        assertEquals("response.completed", last.path("type").asText(), last.toString());
        return last.get("response");
    }

    private static void turn(WsClient ws, Conversation conversation) {
        ws.send(conversation.nextCreate());
        conversation.completed(completedResponse(ws.untilTerminal()));
    }

    /** Reconnects through HAProxy, retrying while the load balancer notices the lost replica. */
    private static WsClient reconnect(Cluster cluster) {
        WsClient[] client = new WsClient[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try {
                client[0] = WsClient.connect(cluster.front());
                return true;
            } catch (RuntimeException refused) {
                return false;
            }
        });
        return client[0];
    }

    /** The continuation after a move saw exactly the context a full resend would have. */
    private static void assertContinuesWithFullContext(Cluster cluster, WsClient ws, Conversation conversation)
            throws Exception {
        ws.send(conversation.nextCreate());
        JsonNode response = completedResponse(ws.untilTerminal());
        String text = response.at("/output/0/content/0/text").asText();
        assertTrue(text.startsWith("Simulated reply #" + conversation.turns), text);
        String fullResend = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.front() + "/v1/responses"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("model", "baton-simulator",
                        "input", conversation.transcript, "store", false)))).build(),
                HttpResponse.BodyHandlers.ofString()).headers().firstValue("x-baton-context-fingerprint").orElseThrow();
        assertEquals(fullResend, Requests.fingerprintOfText(text));
        conversation.completed(response);
    }

    private static void assertAllRetrievable(Cluster cluster, Conversation conversation) throws Exception {
        for (String id : conversation.completedIds) {
            int status = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.front() + "/v1/responses/" + id)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            assertEquals(200, status, "completed response " + id + " was lost");
        }
    }

    @Test
    void continuesTheChainOnAnotherReplicaAfterSigkill() throws Exception {
        try (Cluster cluster = Cluster.start(2, ENV, EXECUTABLE)) {
            Conversation conversation = new Conversation();
            WsClient ws = WsClient.connect(cluster.front());
            for (int i = 0; i < 10; i++) {
                turn(ws, conversation);
            }
            Cluster.Replica serving = cluster.withOpenSockets(1);
            serving.kill();
            ws.close();

            try (WsClient resumed = reconnect(cluster)) {
                assertContinuesWithFullContext(cluster, resumed, conversation);
            }
            assertAllRetrievable(cluster, conversation);
        }
    }

    @Test
    void aRollingRestartWithSigtermLosesNoCompletedTurn() throws Exception {
        try (Cluster cluster = Cluster.start(2, ENV, EXECUTABLE)) {
            Conversation conversation = new Conversation();
            WsClient ws = WsClient.connect(cluster.front());
            for (Cluster.Replica ignored : List.copyOf(cluster.replicas())) {
                turn(ws, conversation);
                turn(ws, conversation);
                // a turn is in flight when its replica gets SIGTERM
                ws.send(conversation.nextCreate());
                assertEquals("response.created", ws.next().get("type").asText());
                Cluster.Replica serving = cluster.withOpenSockets(1);
                serving.terminate();
                conversation.completed(completedResponse(ws.untilTerminal()));
                assertEquals(1001, ws.awaitClose(), "a draining replica closes with 1001 after its in-flight turn");
                serving.waitForExit();
                ws.close();

                ws = reconnect(cluster);
                assertContinuesWithFullContext(cluster, ws, conversation);
                cluster.launch(serving);
            }
            ws.close();
            assertAllRetrievable(cluster, conversation);
        }
    }

    @Test
    void aDeleteOnOneReplicaIsSeenByTheOther() throws Exception {
        try (Cluster cluster = Cluster.start(2, ENV, EXECUTABLE)) {
            String r1 = "http://127.0.0.1:" + cluster.replicas().get(0).port;
            String r2 = "http://127.0.0.1:" + cluster.replicas().get(1).port;
            String body = HTTP.send(HttpRequest.newBuilder(URI.create(r1 + "/v1/responses"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"baton-simulator\",\"input\":\"delete me\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            String id = JSON.readTree(body).get("id").asText();
            // replica 2 loads it from Redis into its hot cache
            assertEquals(200, get(r2 + "/v1/responses/" + id));
            assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create(r1 + "/v1/responses/" + id)).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            await().atMost(Duration.ofSeconds(10)).until(() -> get(r2 + "/v1/responses/" + id) == 404);
        }
    }

    @Test
    void aStoredChildOfAStoreFalseParentContinuesOnAnotherReplica() throws Exception {
        try (Cluster cluster = Cluster.start(2, ENV, EXECUTABLE)) {
            URL r1 = new URL("http://127.0.0.1:" + cluster.replicas().get(0).port + "/");
            String r2 = "http://127.0.0.1:" + cluster.replicas().get(1).port;
            Conversation conversation = new Conversation();
            String child;
            try (WsClient ws = WsClient.connect(r1)) {
                Map<String, Object> parent = conversation.nextCreate();
                parent.put("store", false);
                ws.send(parent);
                conversation.completed(completedResponse(ws.untilTerminal()));
                ws.send(conversation.nextCreate()); // store defaults to true
                conversation.completed(completedResponse(ws.untilTerminal()));
                child = conversation.last();
            }
            Map<String, Object> next = Map.of("role", "user", "content", "on the other replica " + conversation.nonce);
            HttpResponse<String> continued = post(r2, Map.of("model", "baton-simulator", "previous_response_id", child,
                    "input", List.of(next)));
            assertEquals(200, continued.statusCode(), continued.body());
            conversation.transcript.add(next);
            HttpResponse<String> full = post(r2, Map.of("model", "baton-simulator", "input", conversation.transcript,
                    "store", false));
            assertEquals(full.headers().firstValue("x-baton-context-fingerprint").orElseThrow(),
                    continued.headers().firstValue("x-baton-context-fingerprint").orElseThrow(),
                    "the other replica continued with the whole context, the store=false parent included");
            assertEquals(200, get(r2 + "/v1/responses/" + child));
            assertEquals(404, get(r2 + "/v1/responses/" + conversation.completedIds.get(0)), "store=false stays unstored");
        }
    }

    @Test
    void aConversationCreatedOnOneReplicaContinuesOnTheOtherOneTurnAtATime() throws Exception {
        try (Cluster cluster = Cluster.start(2, ENV, EXECUTABLE)) {
            OpenAIClient r1 = sdk(cluster.replicas().get(0).url());
            OpenAIClient r2 = sdk(cluster.replicas().get(1).url());
            try {
                String id = r1.conversations().create(ConversationCreateParams.builder()
                        .addItem(EasyInputMessage.builder().role(EasyInputMessage.Role.USER).content("Start").build())
                        .build()).id();
                com.openai.models.responses.Response first = r2.responses().create(ResponseCreateParams.builder()
                        .model("baton-simulator").conversation(id).input("on r2").build());
                assertEquals("completed", first.status().orElseThrow().asString());
                // one turn on each replica at once: the lease in Redis runs them one after the other
                CompletableFuture<com.openai.models.responses.Response> onR1 = CompletableFuture.supplyAsync(() ->
                        r1.responses().create(ResponseCreateParams.builder().model("baton-simulator").conversation(id)
                                .input("on r1").build()));
                CompletableFuture<com.openai.models.responses.Response> onR2 = CompletableFuture.supplyAsync(() ->
                        r2.responses().create(ResponseCreateParams.builder().model("baton-simulator").conversation(id)
                                .input("on r2 again").build()));
                List<String> replies = new ArrayList<>();
                for (var turn : List.of(onR1.join(), onR2.join())) {
                    replies.add(turn.output().get(0).asMessage().content().get(0).asOutputText().text().substring(0, 18));
                }
                assertEquals(2, replies.stream().distinct().count(), "each saw a different history: " + replies);
                assertTrue(replies.containsAll(List.of("Simulated reply #2", "Simulated reply #3")), replies.toString());
                List<ConversationItem> items = r1.conversations().items().list(id,
                        ItemListParams.builder().order(ItemListParams.Order.ASC).build()).items();
                assertEquals(7, items.size(), "start, then three turns of two items, never interleaved");
            } finally {
                r1.close();
                r2.close();
            }
        }
    }

    @Test
    void aBackgroundResponseIsPolledAndCancelledOnTheOtherReplicaAndFailsWhenItsReplicaDies() throws Exception {
        Map<String, String> env = new HashMap<>(ENV);
        env.put("BATON_SIMULATOR_REPLY_WORDS", "400"); // ~500 tokens at 100 tokens/s: five seconds of work
        env.put("BATON_BACKGROUND_LEASE", "2s");
        try (Cluster cluster = Cluster.start(2, env, EXECUTABLE)) {
            OpenAIClient r1 = sdk(cluster.replicas().get(0).url());
            OpenAIClient r2 = sdk(cluster.replicas().get(1).url());
            try {
                ResponseCreateParams work = ResponseCreateParams.builder().model("baton-simulator").input("long job")
                        .background(true).build();
                String cancelled = r1.responses().create(work).id();
                assertEquals("in_progress", r2.responses().retrieve(cancelled).status().orElseThrow().asString());
                assertEquals("cancelled", r2.responses().cancel(cancelled).status().orElseThrow().asString());
                assertEquals("cancelled", r1.responses().retrieve(cancelled).status().orElseThrow().asString());

                String finished = r2.responses().create(ResponseCreateParams.builder().model("baton-simulator")
                        .input("short job").background(true).maxOutputTokens(20L).build()).id();
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        r1.responses().retrieve(finished).status().orElseThrow().asString().equals("incomplete"));

                // a stream cut after a few events on r1, resumed on r2 from where it stopped: no gap, no duplicate
                List<ResponseStreamEvent> seen = new ArrayList<>();
                try (StreamResponse<ResponseStreamEvent> cut = r1.responses().createStreaming(ResponseCreateParams
                        .builder().model("baton-simulator").input("stream").background(true).build())) {
                    cut.stream().limit(8).forEach(seen::add);
                } // the client leaves
                String streamed = seen.get(0).asCreated().response().id();
                long last = sequenceNumber(seen.get(seen.size() - 1));
                List<ResponseStreamEvent> resumed = new ArrayList<>();
                try (StreamResponse<ResponseStreamEvent> rest = r2.responses().retrieveStreaming(streamed,
                        ResponseRetrieveParams.builder().startingAfter(last).build())) {
                    rest.stream().forEach(resumed::add);
                }
                assertTrue(!resumed.isEmpty(), "resumed on the other replica");
                for (int i = 0; i < resumed.size(); i++) {
                    assertEquals(last + 1 + i, sequenceNumber(resumed.get(i)), "event " + i + " of " + resumed);
                }
                com.openai.models.responses.Response completed = resumed.get(resumed.size() - 1).asCompleted().response();
                StringBuilder text = new StringBuilder();
                for (ResponseStreamEvent event : seen) {
                    event.outputTextDelta().ifPresent(delta -> text.append(delta.delta()));
                }
                resumed.forEach(event -> event.outputTextDelta().ifPresent(delta -> text.append(delta.delta())));
                assertEquals(completed.output().get(0).asMessage().content().get(0).asOutputText().text(),
                        text.toString(), "the deltas of both halves make the whole answer");

                // SIGTERM: the drain lets a running background response finish before the replica exits
                String drained = r2.responses().create(ResponseCreateParams.builder().model("baton-simulator")
                        .input("finish before you go").background(true).maxOutputTokens(100L).build()).id();
                cluster.replicas().get(1).terminate();
                cluster.replicas().get(1).waitForExit();
                String afterDrain = r1.responses().retrieve(drained).status().orElseThrow().asString();
                assertTrue(afterDrain.equals("incomplete") || afterDrain.equals("completed"), afterDrain);
                cluster.launch(cluster.replicas().get(1));

                String orphan = r1.responses().create(work).id();
                com.openai.models.responses.Response[] polled = new com.openai.models.responses.Response[1];
                OpenAIClient restarted = sdk(cluster.replicas().get(1).url()); // no connection to the old process
                try {
                    // the other replica shows its output so far, rebuilt from the events its owner relays
                    String[] soFar = {""};
                    await().atMost(Duration.ofSeconds(20)).until(() -> {
                        soFar[0] = outputText(restarted.responses().retrieve(orphan));
                        return soFar[0].length() > 20;
                    });
                    cluster.replicas().get(0).kill();
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        polled[0] = restarted.responses().retrieve(orphan);
                        return polled[0].status().orElseThrow().asString().equals("failed");
                    });
                    assertTrue(outputText(polled[0]).startsWith(soFar[0]), "ended failed with the output relayed"
                            + " before its replica died: " + polled[0]);
                } finally {
                    restarted.close();
                }
                assertTrue(polled[0].error().orElseThrow().message().contains("stopped"), polled[0].toString());
            } finally {
                r1.close();
                r2.close();
            }
        }
    }

    /**
     * An owner frozen past its lease (SIGSTOP: a stop-the-world pause, a starved container) finds, once it runs again,
     * that the other replica ended its response {@code failed}; it stops the run and revives nothing.
     */
    @Test
    void anOwnerFrozenPastItsLeaseStopsAndTheResponseStaysFailed() throws Exception {
        Map<String, String> env = new HashMap<>(ENV);
        env.put("BATON_SIMULATOR_REPLY_WORDS", "3000"); // ~30 s of work at 100 tokens/s: still running when resumed
        env.put("BATON_BACKGROUND_LEASE", "3s");
        try (Cluster cluster = Cluster.start(2, env, EXECUTABLE)) {
            Cluster.Replica owner = cluster.replicas().get(0);
            OpenAIClient r1 = sdk(owner.url());
            OpenAIClient r2 = sdk(cluster.replicas().get(1).url());
            try {
                String id = r1.responses().create(ResponseCreateParams.builder().model("baton-simulator")
                        .input("a long job").background(true).build()).id();
                assertEquals("in_progress", r2.responses().retrieve(id).status().orElseThrow().asString());
                signal("STOP", owner.pid());
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() ->
                            r2.responses().retrieve(id).status().orElseThrow().asString().equals("failed"));
                } finally {
                    signal("CONT", owner.pid());
                }
                // its next renewal tells the owner: it stops the run (and says so) instead of writing over the end
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        owner.gauge("baton_background_leases_lost_total") >= 1 && owner.gauge("baton_background_running") == 0);
                assertEquals("failed", r2.responses().retrieve(id).status().orElseThrow().asString());
                assertEquals("failed", r1.responses().retrieve(id).status().orElseThrow().asString());
            } finally {
                r1.close();
                r2.close();
            }
        }
    }

    private static String outputText(com.openai.models.responses.Response response) {
        return response.output().isEmpty() ? ""
                : response.output().get(0).asMessage().content().get(0).asOutputText().text();
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + name + " " + pid);
    }

    private static long sequenceNumber(ResponseStreamEvent event) {
        return com.openai.core.ObjectMappers.jsonMapper().valueToTree(event).path("sequence_number").asLong(-1);
    }

    private static OpenAIClient sdk(URL replica) {
        return OpenAIOkHttpClient.builder().baseUrl(replica + "/v1").apiKey("sk-unused").maxRetries(0).build();
    }

    private static HttpResponse<String> post(String base, Map<String, Object> body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/responses"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
