package dev.baton.engine.openai;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.upstream.Endpoint;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cancellation of an upstream POST is race-free: a turn cancelled before its request exists (here: while
 * it waits for the only pooled connection) is never sent, so the engine never generates for nobody.
 */
class StreamingPostCancelTest {

    private Vertx vertx;
    private HttpServer server;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Map<String, HttpServerResponse> open = new ConcurrentHashMap<>();

    @BeforeEach
    void startFakeEngine() {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            String name = body.toString();
            received.add(name);
            HttpServerResponse response = request.response().setChunked(true)
                    .putHeader("content-type", "text/event-stream");
            response.write("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"}}]}\n\n");
            open.put(name, response); // held open until the test ends it
        }));
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    }

    @AfterEach
    void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aTurnCancelledWhileWaitingForAConnectionIsNeverSent() {
        StreamingPost post = new StreamingPost(vertx, new ObjectMapper(), new OneConnection());
        Endpoint endpoint = new Endpoint("fake", Endpoint.CHAT, Endpoint.HTTP,
                URI.create("http://127.0.0.1:" + server.actualPort() + "/v1/"), Map.of(), List.of(), null, "models");

        Cancellable first = start(post, endpoint, "first");
        await().atMost(Duration.ofSeconds(10)).until(() -> open.containsKey("first"));
        Cancellable cancelled = start(post, endpoint, "cancelled"); // waits for the pool's only connection
        cancelled.cancel();
        start(post, endpoint, "third");

        finish("first");
        await().atMost(Duration.ofSeconds(10)).until(() -> open.containsKey("third") || received.contains("cancelled"));
        assertFalse(received.contains("cancelled"), "the cancelled turn reached the engine: " + received);
        finish("third");
        start(post, endpoint, "fourth"); // queued behind the cancelled one, had it been sent
        await().atMost(Duration.ofSeconds(10)).until(() -> open.containsKey("fourth"));
        assertFalse(received.contains("cancelled"), "the cancelled turn reached the engine: " + received);
        first.cancel();
    }

    private void finish(String name) {
        HttpServerResponse response = open.get(name);
        vertx.runOnContext(ignored -> response.end("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"));
    }

    private static Cancellable start(StreamingPost post, Endpoint endpoint, String body) {
        return post.stream(endpoint, "chat/completions", Buffer.buffer(body), () -> new ChatStreamDecoder(new ObjectMapper()))
                .subscribe().with((EngineEvent event) -> {
                }, failure -> {
                });
    }

    /** Upstream settings with a pool of one connection. */
    private static final class OneConnection implements BatonConfig.Upstream {
        @Override public Optional<String> url() { return Optional.empty(); }
        @Override public String transport() { return "http"; }
        @Override public Optional<String> apiKey() { return Optional.empty(); }
        @Override public Optional<String> model() { return Optional.empty(); }
        @Override public Optional<String> tokenizer() { return Optional.empty(); }
        @Override public Optional<String> chatTemplate() { return Optional.empty(); }
        @Override public Optional<String> outputParser() { return Optional.empty(); }
        @Override public Optional<List<String>> models() { return Optional.empty(); }
        @Override public Duration connectTimeout() { return Duration.ofSeconds(5); }
        @Override public Duration idleTimeout() { return Duration.ofSeconds(60); }
        @Override public int maxConnections() { return 1; }
        @Override public int retries() { return 0; }
        @Override public Duration healthInterval() { return Duration.ofSeconds(5); }
        @Override public String healthPath() { return "models"; }
        @Override public Duration socketIdleTimeout() { return Duration.ofMinutes(5); }
        @Override public int maxIdleSockets() { return 1; }
    }
}
