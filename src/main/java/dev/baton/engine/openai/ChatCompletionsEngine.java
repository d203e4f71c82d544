package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.engine.Engine;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import dev.baton.engine.EngineRequest;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code BATON_ENGINE=openai-chat}: any OpenAI-compatible {@code /v1/chat/completions} server (vLLM,
 * SGLang, llama.cpp, Ollama, TGI) with streaming. The upstream response is read only as fast as the
 * turn consumes it (the socket is paused when nobody asks for events). Failures become
 * {@code response.failed} with the upstream's message; a request that fails before its first token is
 * retried ({@code BATON_UPSTREAM_RETRIES}).
 */
@ApplicationScoped
@Typed(ChatCompletionsEngine.class)
public class ChatCompletionsEngine implements Engine {

    public static final String NAME = "openai-chat";

    private final ObjectMapper json;
    private final BatonConfig.Upstream config;
    private final ChatRequestMapper mapper;
    private final HttpClient http;
    private final URI base;

    public ChatCompletionsEngine(Vertx vertx, ObjectMapper json, BatonConfig config) {
        this.json = json;
        this.config = config.upstream();
        this.mapper = new ChatRequestMapper(json);
        String url = this.config.url().orElseThrow(() -> new IllegalStateException(
                "BATON_ENGINE=openai-chat needs BATON_UPSTREAM_URL (e.g. http://localhost:8000/v1)"));
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) this.config.connectTimeout().toMillis())
                .setSsl("https".equals(base.getScheme()))
                .setTrustAll(false));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> models() {
        return config.models().orElse(config.model().map(List::of).orElse(List.of()));
    }

    @Override
    public Multi<EngineEvent> stream(EngineRequest request) {
        Buffer body = Buffer.buffer(mapper.map(request, config.model().orElse(request.model())).toString());
        AtomicBoolean started = new AtomicBoolean();
        return Multi.createFrom().<EngineEvent>emitter(emitter -> call(body, emitter, started))
                .onFailure(failure -> !started.get() && retryable(failure)).retry()
                .withBackOff(Duration.ofMillis(100), Duration.ofSeconds(2)).atMost(config.retries());
    }

    private void call(Buffer body, MultiEmitter<? super EngineEvent> emitter, AtomicBoolean started) {
        URI endpoint = base.resolve("chat/completions");
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(endpoint.toString())
                .putHeader("content-type", "application/json")
                .putHeader("accept", "text/event-stream")
                .setIdleTimeout(config.idleTimeout().toMillis());
        config.apiKey().ifPresent(key -> options.putHeader("authorization", "Bearer " + key));
        http.request(options)
                .compose(request -> request.send(body))
                .onSuccess(response -> {
                    if (response.statusCode() != 200) {
                        response.body().onComplete(done -> emitter.fail(upstreamError(response.statusCode(),
                                done.succeeded() ? done.result().toString() : "")));
                        return;
                    }
                    relay(response, emitter, started);
                })
                .onFailure(failure -> emitter.fail(new RetryableFailure(
                        "The upstream engine is unreachable: " + failure.getMessage())));
    }

    /** Upstream bytes to engine events, pausing the socket while the turn does not ask for more. */
    private void relay(HttpClientResponse response, MultiEmitter<? super EngineEvent> emitter, AtomicBoolean started) {
        ChatStreamDecoder decoder = new ChatStreamDecoder(json);
        AtomicBoolean ended = new AtomicBoolean(); // the first of failure/end wins; later signals are noise
        emitter.onTermination(() -> {
            if (!emitter.isCancelled()) {
                return;
            }
            response.request().reset(); // the turn was cancelled: stop the generation upstream
        });
        emitter.onRequest(demand -> response.resume());
        response.handler(bytes -> {
            if (ended.get()) {
                return;
            }
            try {
                for (EngineEvent event : decoder.feed(bytes.getBytes())) {
                    started.set(true);
                    emitter.emit(event);
                }
            } catch (EngineException e) {
                ended.set(true);
                response.request().reset();
                emitter.fail(e);
                return;
            }
            if (emitter.requested() <= 0) {
                response.pause();
            }
        });
        response.exceptionHandler(failure -> {
            if (ended.compareAndSet(false, true)) {
                emitter.fail(new EngineException("server_error",
                        "The upstream engine connection failed: " + failure.getMessage()));
            }
        });
        response.endHandler(end -> {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            try {
                decoder.end().forEach(emitter::emit);
                emitter.complete();
            } catch (EngineException e) {
                emitter.fail(e);
            }
        });
    }

    private EngineException upstreamError(int status, String body) {
        String message = body;
        try {
            JsonNode error = json.readTree(body).path("error");
            if (error.isObject()) {
                message = error.path("message").asText(body);
            } else if (error.isTextual()) {
                message = error.asText();
            }
        } catch (Exception notJson) {
            // keep the raw body
        }
        String code = status == 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_prompt";
        String text = "The upstream engine answered HTTP " + status + (message.isBlank() ? "" : ": " + message);
        return status == 429 || status >= 500 ? new RetryableFailure(code, text) : new EngineException(code, text);
    }

    private static boolean retryable(Throwable failure) {
        return failure instanceof RetryableFailure;
    }

    /** A failure before the first token that a retry may cure (connection refused, 5xx, 429). */
    static final class RetryableFailure extends EngineException {
        RetryableFailure(String message) {
            super("server_error", message);
        }

        RetryableFailure(String code, String message) {
            super(code, message);
        }
    }
}
