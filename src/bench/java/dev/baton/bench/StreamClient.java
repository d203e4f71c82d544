package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.parsetools.RecordParser;
import java.net.URL;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A client fast enough not to be the bottleneck of one stream at hundreds of thousands of events/s: Vert.x
 * on one event loop, delta events told apart by their type without parsing them (other events are parsed).
 * Times a turn from sending its request to its first delta and to its terminal event, in the client.
 */
final class StreamClient implements AutoCloseable {

    /** One streamed turn as the client saw it. */
    record Run(long sentNanos, long firstDeltaNanos, long lastDeltaNanos, long endNanos, int deltas, String responseId,
               String error) {

        boolean failed() {
            return error != null;
        }

        double ttfdMs() {
            return ((firstDeltaNanos == 0 ? endNanos : firstDeltaNanos) - sentNanos) / 1e6;
        }

        double totalMs() {
            return (endNanos - sentNanos) / 1e6;
        }

        /** Delta events per second of streaming: from the first delta to the last. */
        double deltasPerSecond() {
            return deltas < 2 ? Double.NaN : (deltas - 1) / ((lastDeltaNanos - firstDeltaNanos) / 1e9);
        }
    }

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    private final WebSocketClient sockets = vertx.createWebSocketClient(new WebSocketClientOptions()
            .setMaxFrameSize(16 << 20).setMaxMessageSize(64 << 20));
    private final WebSocketClient deflateSockets = vertx.createWebSocketClient(new WebSocketClientOptions()
            .setMaxFrameSize(16 << 20).setMaxMessageSize(64 << 20).setTryUsePerMessageCompression(true));
    private final HttpClient http = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(4));

    /** One WebSocket-mode connection; one turn at a time. */
    final class Session implements AutoCloseable {
        private final WebSocket socket;
        private Turn turn;

        private Session(WebSocket socket) {
            this.socket = socket;
            socket.textMessageHandler(this::onMessage);
            socket.closeHandler(closed -> {
                if (turn != null) {
                    turn.fail("socket closed: " + socket.closeStatusCode());
                }
            });
        }

        /** Sends {@code frame} (a {@code response.create}) and completes with the turn at its terminal event. */
        CompletableFuture<Run> turn(String frame) {
            CompletableFuture<Run> done = new CompletableFuture<>();
            vertx.runOnContext(ignored -> {
                turn = new Turn(done);
                turn.sent = System.nanoTime();
                socket.writeTextMessage(frame);
            });
            return done.orTimeout(120, TimeUnit.SECONDS);
        }

        private void onMessage(String message) {
            Turn current = turn;
            if (current != null && current.on(message)) {
                turn = null;
            }
        }

        @Override
        public void close() {
            socket.close().toCompletionStage().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(failure -> null).join();
        }
    }

    /** What a turn has seen so far; {@link #on} returns true at its end. Confined to the client's event loop. */
    private static final class Turn {
        private final CompletableFuture<Run> done;
        long sent;
        long firstDelta;
        long lastDelta;
        int deltas;

        Turn(CompletableFuture<Run> done) {
            this.done = done;
        }

        boolean on(String event) {
            String type = typeOf(event);
            if (type.endsWith(".delta")) {
                long now = System.nanoTime();
                firstDelta = firstDelta == 0 ? now : firstDelta;
                lastDelta = now;
                deltas++;
                return false;
            }
            switch (type) {
                case "response.completed", "response.incomplete" -> {
                    JsonNode parsed = parse(event);
                    done.complete(new Run(sent, firstDelta, lastDelta, System.nanoTime(), deltas,
                            parsed.at("/response/id").asText(null), null));
                    return true;
                }
                case "response.failed" -> {
                    fail("response.failed: " + parse(event).at("/response/error"));
                    return true;
                }
                case "error" -> {
                    fail("error: " + parse(event).path("error"));
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }

        void fail(String error) {
            done.complete(new Run(sent, firstDelta, lastDelta, System.nanoTime(), deltas, null, error));
        }
    }

    /** The event's {@code type}, read without parsing the event. */
    static String typeOf(String event) {
        int at = event.indexOf("\"type\":\"");
        if (at < 0) {
            return "";
        }
        int from = at + 8;
        int to = event.indexOf('"', from);
        return to < 0 ? "" : event.substring(from, to);
    }

    private static JsonNode parse(String event) {
        try {
            return Wire.JSON.readTree(event);
        } catch (Exception e) {
            return Wire.JSON.createObjectNode();
        }
    }

    /** @param deflate whether to offer permessage-deflate, as the ws package behind the Node SDK does by default */
    Session connect(URL base, boolean deflate) {
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(base.getHost()).setPort(base.getPort())
                .setURI("/v1/responses");
        WebSocket socket = (deflate ? deflateSockets : sockets).connect(options).toCompletionStage().toCompletableFuture()
                .orTimeout(10, TimeUnit.SECONDS).join();
        return new Session(socket);
    }

    /** {@code POST /v1/responses} with {@code stream: true} ({@code body} says so), read as SSE to its terminal event. */
    CompletableFuture<Run> streamed(URL base, String body) {
        CompletableFuture<Run> done = new CompletableFuture<>();
        vertx.runOnContext(ignored -> {
            Turn turn = new Turn(done);
            turn.sent = System.nanoTime();
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(base.getHost())
                    .setPort(base.getPort()).setURI("/v1/responses").putHeader("content-type", "application/json");
            http.request(options).compose(request -> request.send(Buffer.buffer(body))).onSuccess(response -> {
                if (response.statusCode() != 200) {
                    response.body().onComplete(b -> turn.fail("HTTP " + response.statusCode() + ": "
                            + (b.succeeded() ? b.result() : "")));
                    return;
                }
                RecordParser lines = RecordParser.newDelimited("\n", line -> {
                    if (line.length() > 6 && line.getByte(0) == 'd' && line.getByte(4) == ':' && !done.isDone()) {
                        turn.on(line.getString(5, line.length()));
                    }
                });
                response.handler(lines);
                response.endHandler(end -> {
                    if (!done.isDone()) {
                        turn.fail("stream ended without a terminal event");
                    }
                });
            }).onFailure(failure -> turn.fail(failure.toString()));
        });
        return done.orTimeout(120, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                .exceptionally(failure -> null).join();
    }
}
