package dev.baton.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's) for tests: frames arrive in a queue, reading can be paused to
 * act as a slow reader, and the close code is observable. Every wait has a deadline.
 */
public final class WsClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final Duration DEADLINE = Duration.ofSeconds(20);

    private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final AtomicBoolean paused = new AtomicBoolean();
    private volatile Throwable failure;
    private final WebSocket socket;

    private WsClient(URL base, Map<String, String> headers, boolean startPaused) {
        paused.set(startPaused);
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        headers.forEach(builder::header);
        URI uri = URI.create(base.toString().replaceFirst("^http", "ws").replaceAll("/$", "") + "/v1/responses");
        this.socket = builder.buildAsync(uri, new Listener()).join();
    }

    public static WsClient connect(URL base) {
        return new WsClient(base, Map.of(), false);
    }

    public static WsClient connect(URL base, Map<String, String> headers) {
        return new WsClient(base, headers, false);
    }

    /** Connects without reading anything until {@link #resume()}. */
    public static WsClient connectPaused(URL base) {
        return new WsClient(base, Map.of(), true);
    }

    public void send(String text) {
        socket.sendText(text, true).join();
    }

    public void send(Map<String, Object> event) {
        try {
            send(JSON.writeValueAsString(event));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends without waiting: completes once the frame is written, which a server that stopped reading delays. */
    public CompletableFuture<WebSocket> sendAsync(String text) {
        return socket.sendText(text, true);
    }

    public void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    public void resume() {
        paused.set(false);
        socket.request(1);
    }

    /** The next frame, or an AssertionError after the deadline. */
    public JsonNode next() {
        try {
            JsonNode frame = frames.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("no frame within " + DEADLINE);
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * The next frame; {@code null} once the socket is closed and every frame it delivered was read; an AssertionError
     * after {@code deadline} with neither.
     */
    public JsonNode nextUnlessClosed(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        try {
            while (System.nanoTime() < end) {
                JsonNode frame = frames.poll(50, TimeUnit.MILLISECONDS);
                if (frame != null) {
                    return frame;
                }
                if (closeCode.isDone() && frames.isEmpty()) {
                    return null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("no frame and no close within " + deadline);
    }

    /** Frames until (and including) the first that matches. */
    public List<JsonNode> until(Predicate<JsonNode> last) {
        List<JsonNode> received = new ArrayList<>();
        while (true) {
            JsonNode frame = next();
            received.add(frame);
            if (last.test(frame)) {
                return received;
            }
        }
    }

    /** Frames of one response (or one error), up to its terminal event. */
    public List<JsonNode> untilTerminal() {
        return until(WsClient::terminal);
    }

    public static boolean terminal(JsonNode frame) {
        String type = frame.path("type").asText();
        return type.equals("response.completed") || type.equals("response.failed")
                || type.equals("response.incomplete") || type.equals("error");
    }

    /** The close code the server sent, waiting up to the deadline. */
    public int awaitClose() {
        try {
            return closeCode.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("socket not closed within " + DEADLINE, e);
        }
    }

    /** What broke the socket when it did not close cleanly, else {@code null}. */
    public Throwable failure() {
        return failure;
    }

    public boolean isClosed() {
        return closeCode.isDone();
    }

    public int queued() {
        return frames.size();
    }

    @Override
    public void close() {
        if (!closeCode.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
            socket.abort();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            if (!paused.get()) {
                webSocket.request(1);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    frames.add(JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    frames.add(JSON.getNodeFactory().textNode("NOT JSON: " + partial));
                }
                partial.setLength(0);
            }
            if (!paused.get()) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            failure = error;
            closeCode.complete(-1);
        }
    }
}
