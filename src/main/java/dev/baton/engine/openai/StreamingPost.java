package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import dev.baton.engine.upstream.Endpoint;
import dev.baton.engine.upstream.UpstreamFailure;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
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

    private final Vertx vertx;
    private final ObjectMapper json;
    private final BatonConfig.Upstream config;
    private final HttpClient http;

    StreamingPost(Vertx vertx, ObjectMapper json, BatonConfig.Upstream config) {
        this.vertx = vertx;
        this.json = json;
        this.config = config;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setMaxPoolSize(config.maxConnections()));
    }

    Multi<EngineEvent> stream(Endpoint endpoint, String path, Buffer body, Supplier<StreamDecoder> decoder) {
        return Multi.createFrom().emitter(emitter -> new Call(decoder.get(), emitter).start(endpoint, path, body));
    }

    /** Ends a request that was cancelled before it was sent; never reported. */
    private static final class CancelledBeforeSending extends RuntimeException {
        CancelledBeforeSending() {
            super("cancelled before sending", null, false, false);
        }
    }

    /** One upstream request; the first of end, failure, cancel and idle timeout wins, later signals are noise. */
    private final class Call {
        private final StreamDecoder decoder;
        private final MultiEmitter<? super EngineEvent> emitter;
        private final AtomicBoolean ended = new AtomicBoolean();
        private final IdleWatchdog watchdog;
        private volatile HttpClientRequest request;

        Call(StreamDecoder decoder, MultiEmitter<? super EngineEvent> emitter) {
            this.decoder = decoder;
            this.emitter = emitter;
            this.watchdog = new IdleWatchdog(vertx, config.idleTimeout(), emitter::requested,
                    () -> fail(new EngineException("server_error", IdleWatchdog.message(config.idleTimeout()))));
            emitter.onTermination(() -> {
                if (emitter.isCancelled() && ended.compareAndSet(false, true)) {
                    watchdog.stop();
                    reset(); // the turn was cancelled: stop the generation upstream
                }
            });
            if (emitter.isCancelled() && ended.compareAndSet(false, true)) {
                watchdog.stop(); // cancelled before the termination callback was in place: it will not run
            }
        }

        void start(Endpoint endpoint, String path, Buffer body) {
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                    .setAbsoluteURI(endpoint.resolve(path).toString())
                    .putHeader("content-type", "application/json")
                    .putHeader("accept", "text/event-stream");
            endpoint.headers().forEach(options::putHeader);
            http.request(options)
                    .compose(created -> {
                        request = created;
                        // a cancel that came before the request existed found nothing to reset: do it here
                        // (request is published before ended is read, so one of the two sides always resets)
                        if (ended.get() || emitter.isCancelled()) {
                            ended.set(true);
                            created.exceptionHandler(ignored -> {
                            }); // the reset reports itself as a failure: expected here
                            created.reset();
                            return Future.failedFuture(new CancelledBeforeSending());
                        }
                        return created.send(body);
                    })
                    .onSuccess(response -> {
                        if (ended.get()) {
                            response.request().reset(); // cancelled while the answer's headers were on their way
                            return;
                        }
                        watchdog.touch();
                        if (response.statusCode() != 200) {
                            response.body().onComplete(done -> fail(UpstreamFailure.fromHttp(json,
                                    response.statusCode(), done.succeeded() ? done.result().toString() : "")));
                            return;
                        }
                        relay(response);
                    })
                    .onFailure(failure -> {
                        if (!(failure instanceof CancelledBeforeSending)) {
                            fail(new UpstreamFailure.Unreachable(failure));
                        }
                    });
        }

        /** Upstream bytes to engine events, pausing the socket while the turn does not ask for more. */
        private void relay(HttpClientResponse response) {
            emitter.onRequest(demand -> response.resume());
            response.handler(bytes -> {
                if (ended.get()) {
                    return;
                }
                watchdog.touch();
                try {
                    decoder.feed(bytes.getBytes()).forEach(emitter::emit);
                } catch (EngineException e) {
                    fail(e);
                    return;
                }
                if (emitter.requested() <= 0) {
                    response.pause();
                }
            });
            response.exceptionHandler(failure -> fail(new EngineException("server_error",
                    "The upstream engine connection failed: " + failure.getMessage())));
            response.endHandler(end -> {
                if (!ended.compareAndSet(false, true)) {
                    return;
                }
                watchdog.stop();
                try {
                    decoder.end().forEach(emitter::emit);
                    emitter.complete();
                } catch (EngineException e) {
                    emitter.fail(e);
                }
            });
        }

        private void fail(EngineException failure) {
            if (ended.compareAndSet(false, true)) {
                watchdog.stop();
                reset();
                emitter.fail(failure);
            }
        }

        private void reset() {
            HttpClientRequest sent = request;
            if (sent != null) {
                sent.reset();
            }
        }
    }
}
