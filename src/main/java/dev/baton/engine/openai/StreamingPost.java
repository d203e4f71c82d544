package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import dev.baton.engine.upstream.Endpoint;
import dev.baton.engine.upstream.UpstreamFailure;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A streaming POST to an upstream endpoint: the answer's bytes go through a {@link StreamDecoder}
 * and are read only as fast as the turn consumes events (the socket is paused when nobody asks),
 * the request is reset when the turn is cancelled. A non-200 answer fails with the upstream's
 * message; an endpoint that cannot be reached fails {@link UpstreamFailure.Unreachable}.
 */
final class StreamingPost {

    private final ObjectMapper json;
    private final BatonConfig.Upstream config;
    private final HttpClient http;

    StreamingPost(Vertx vertx, ObjectMapper json, BatonConfig.Upstream config) {
        this.json = json;
        this.config = config;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis()));
    }

    Multi<EngineEvent> stream(Endpoint endpoint, String path, Buffer body, Supplier<StreamDecoder> decoder) {
        return Multi.createFrom().emitter(emitter -> call(endpoint, path, body, decoder.get(), emitter));
    }

    private void call(Endpoint endpoint, String path, Buffer body, StreamDecoder decoder,
                      MultiEmitter<? super EngineEvent> emitter) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(endpoint.resolve(path).toString())
                .putHeader("content-type", "application/json")
                .putHeader("accept", "text/event-stream")
                .setIdleTimeout(config.idleTimeout().toMillis());
        endpoint.headers().forEach(options::putHeader);
        http.request(options)
                .compose(request -> request.send(body))
                .onSuccess(response -> {
                    if (response.statusCode() != 200) {
                        response.body().onComplete(done -> emitter.fail(UpstreamFailure.fromHttp(json,
                                response.statusCode(), done.succeeded() ? done.result().toString() : "")));
                        return;
                    }
                    relay(response, decoder, emitter);
                })
                .onFailure(failure -> emitter.fail(new UpstreamFailure.Unreachable(failure)));
    }

    /** Upstream bytes to engine events, pausing the socket while the turn does not ask for more. */
    private static void relay(HttpClientResponse response, StreamDecoder decoder,
                              MultiEmitter<? super EngineEvent> emitter) {
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
                decoder.feed(bytes.getBytes()).forEach(emitter::emit);
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
}
