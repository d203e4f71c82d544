package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.BatonConfig;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import dev.baton.engine.EngineRequest;
import dev.baton.engine.upstream.Endpoint;
import dev.baton.engine.upstream.UpstreamFailure;
import dev.baton.protocol.Item;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The upstream's WebSocket mode, one upstream socket per chain. After a turn the socket is parked
 * under the id Baton gave the response, with the upstream's id of the same response. The chain's
 * next turn (whichever client connection sends it) takes that socket and sends
 * {@code response.create} with the upstream {@code previous_response_id} and only the turn's new
 * items; a turn without a parked socket (first turn, a fork, another Baton replica, a socket the
 * upstream closed) opens one and sends the whole context. When the upstream answers
 * {@code previous_response_not_found} (its connection cache lost the response) the turn is sent
 * again with the whole context on the same socket.
 *
 * <p>Limits: parked sockets close after {@code BATON_UPSTREAM_SOCKET_IDLE_TIMEOUT}, and at most
 * {@code BATON_UPSTREAM_MAX_IDLE_SOCKETS} are kept (the oldest closes first). Metrics:
 * {@code baton_upstream_sockets_idle}, {@code baton_upstream_socket_turns_total{mode=continued|full|resent}}.
 */
final class UpstreamSockets {

    private static final String CONTINUED = "continued";
    private static final String FULL = "full";
    private static final String RESENT = "resent";

    private record Parked(WebSocket socket, String endpoint, String upstreamResponseId, long since) {
    }

    private final ObjectMapper json;
    private final ResponsesRequestMapper mapper;
    private final WebSocketClient client;
    private final BatonConfig.Upstream config;
    private final Map<String, Parked> parked = new ConcurrentHashMap<>();
    private final Map<String, Counter> turns = new ConcurrentHashMap<>();
    private final MeterRegistry metrics;
    private final Vertx vertx;
    private final long sweeper;

    UpstreamSockets(Vertx vertx, ObjectMapper json, ResponsesRequestMapper mapper, BatonConfig.Upstream config,
                    MeterRegistry metrics) {
        this.vertx = vertx;
        this.json = json;
        this.mapper = mapper;
        this.config = config;
        this.metrics = metrics;
        this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setMaxFrameSize(64 * 1024 * 1024).setMaxMessageSize(64 * 1024 * 1024)
                .setMaxConnections(config.maxConnections() + config.maxIdleSockets()));
        Gauge.builder("baton_upstream_sockets_idle", parked, Map::size)
                .description("Upstream WebSocket-mode sockets parked for their chain's next turn").register(metrics);
        long every = Math.max(1000, Math.min(30_000, config.socketIdleTimeout().toMillis() / 2));
        this.sweeper = vertx.setPeriodic(every, id -> closeIdle());
    }

    void close() {
        vertx.cancelTimer(sweeper);
        parked.values().forEach(p -> p.socket().close());
        parked.clear();
        client.close();
    }

    Multi<EngineEvent> stream(EngineRequest request, Endpoint endpoint) {
        return Multi.createFrom().emitter(emitter -> {
            String parent = request.chain().parentResponseId();
            Parked held = parent == null ? null : parked.remove(parent);
            if (held != null && held.endpoint().equals(endpoint.name()) && !held.socket().isClosed()) {
                new SocketTurn(held.socket(), request, endpoint, emitter).start(held.upstreamResponseId());
                return;
            }
            if (held != null) {
                held.socket().close();
            }
            client.connect(connectOptions(endpoint))
                    .onSuccess(socket -> {
                        if (emitter.isCancelled()) {
                            socket.close(); // the client left while the socket was opening
                            return;
                        }
                        new SocketTurn(socket, request, endpoint, emitter).start(null);
                    })
                    .onFailure(failure -> emitter.fail(new UpstreamFailure.Unreachable(failure)));
        });
    }

    private static WebSocketConnectOptions connectOptions(Endpoint endpoint) {
        String http = endpoint.resolve("responses").toString();
        WebSocketConnectOptions options = new WebSocketConnectOptions()
                .setAbsoluteURI(http.replaceFirst("^http", "ws"));
        endpoint.headers().forEach(options::addHeader);
        return options;
    }

    private void park(String responseId, Parked entry) {
        entry.socket().textMessageHandler(ignored -> {
        });
        entry.socket().closeHandler(closed -> parked.remove(responseId, entry));
        parked.put(responseId, entry);
        if (parked.size() > config.maxIdleSockets()) {
            parked.entrySet().stream().min((a, b) -> Long.compare(a.getValue().since(), b.getValue().since()))
                    .ifPresent(oldest -> {
                        if (parked.remove(oldest.getKey(), oldest.getValue())) {
                            oldest.getValue().socket().close();
                        }
                    });
        }
    }

    private void closeIdle() {
        long cutoff = System.nanoTime() - config.socketIdleTimeout().toNanos();
        parked.forEach((id, entry) -> {
            if (entry.since() < cutoff && parked.remove(id, entry)) {
                entry.socket().close();
            }
        });
    }

    private void count(String mode) {
        turns.computeIfAbsent(mode, m -> Counter.builder("baton_upstream_socket_turns_total")
                .description("Turns sent over upstream WebSocket mode: continued (new items only), full, resent (after previous_response_not_found)")
                .tag("mode", m).register(metrics)).increment();
    }

    /** One turn on one upstream socket; runs on the socket's event loop. */
    private final class SocketTurn {
        private final WebSocket socket;
        private final EngineRequest request;
        private final Endpoint endpoint;
        private final MultiEmitter<? super EngineEvent> emitter;
        // started on the caller's thread, then driven by the socket's event loop (a parked socket keeps its own)
        private volatile ResponsesStreamDecoder decoder;
        private volatile boolean incremental;
        private volatile boolean started;
        private volatile boolean done;
        private volatile IdleWatchdog watchdog;

        SocketTurn(WebSocket socket, EngineRequest request, Endpoint endpoint, MultiEmitter<? super EngineEvent> emitter) {
            this.socket = socket;
            this.request = request;
            this.endpoint = endpoint;
            this.emitter = emitter;
        }

        void start(String previousUpstreamId) {
            watchdog = new IdleWatchdog(vertx, config.idleTimeout(), emitter::requested,
                    () -> fail(new EngineException("server_error", IdleWatchdog.message(config.idleTimeout()))));
            socket.textMessageHandler(this::onFrame);
            socket.closeHandler(closed -> onClosed());
            socket.exceptionHandler(failure -> onClosed());
            emitter.onTermination(() -> {
                if (emitter.isCancelled() && !done) {
                    done = true;
                    watchdog.stop();
                    socket.close(); // the only way to stop an upstream WebSocket-mode response
                }
            });
            if (emitter.isCancelled() && !done) {
                // cancelled before the termination callback was in place (it will not run): send nothing
                done = true;
                watchdog.stop();
                socket.close();
                return;
            }
            emitter.onRequest(demand -> socket.resume());
            count(previousUpstreamId != null ? CONTINUED : FULL);
            send(previousUpstreamId);
        }

        private void send(String previousUpstreamId) {
            incremental = previousUpstreamId != null;
            decoder = new ResponsesStreamDecoder(json);
            List<Item> items = incremental ? request.context().lastItems(request.chain().newItems())
                    : request.context().items();
            ObjectNode create = mapper.map(request, endpoint.modelFor(request.model()), items, previousUpstreamId);
            ObjectNode frame = json.createObjectNode().put("type", "response.create");
            frame.setAll(create);
            socket.writeTextMessage(frame.toString());
        }

        private void onFrame(String text) {
            if (done) {
                return;
            }
            watchdog.touch();
            try {
                JsonNode event = decoder.parse(text);
                if (incremental && !started && isPreviousNotFound(event)) {
                    count(RESENT);
                    send(null);
                    return;
                }
                for (EngineEvent engineEvent : decoder.event(event)) {
                    started = true;
                    emitter.emit(engineEvent);
                }
            } catch (EngineException failure) {
                fail(!started && isConnectionAged(failure)
                        ? new UpstreamFailure.Retryable("server_error", failure.getMessage()) : failure);
                return;
            }
            if (decoder.finished()) {
                done = true;
                watchdog.stop();
                park(request.chain().responseId(), new Parked(socket, endpoint.name(), decoder.upstreamResponseId(),
                        System.nanoTime()));
                emitter.complete();
            } else if (emitter.requested() <= 0) {
                socket.pause();
            }
        }

        private void fail(EngineException failure) {
            if (done) {
                return;
            }
            done = true;
            watchdog.stop();
            socket.close();
            emitter.fail(failure);
        }

        /** The upstream's socket reached its age limit: a fresh socket (on retry) will do. */
        private boolean isConnectionAged(EngineException failure) {
            return failure instanceof ResponsesStreamDecoder.UpstreamError upstream
                    && "websocket_connection_limit_reached".equals(upstream.upstreamCode());
        }

        private boolean isPreviousNotFound(JsonNode event) {
            return "error".equals(event.path("type").asText())
                    && "previous_response_not_found".equals(event.path("error").path("code").asText(event.path("code").asText()));
        }

        private void onClosed() {
            if (done) {
                return;
            }
            done = true;
            watchdog.stop();
            emitter.fail(started
                    ? new EngineException("server_error", "The upstream engine closed its WebSocket before finishing the response.")
                    : new UpstreamFailure.Retryable("server_error", "The upstream engine closed its WebSocket before answering."));
        }
    }
}
