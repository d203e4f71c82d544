package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The harness's clients: plain JDK HTTP (SSE) and WebSocket, as any client of the Responses API talks. */
final class Wire {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TURN_DEADLINE = Duration.ofSeconds(120);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Wire() {
    }

    /** {@code POST /v1/responses} with {@code stream: true}, read as SSE to the terminal event. */
    static TurnResult streamedTurn(URL base, ObjectNode body) {
        body.put("stream", true);
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/responses"))
                .timeout(TURN_DEADLINE).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
        long sent = System.nanoTime();
        try {
            HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                if (response.statusCode() != 200) {
                    return TurnResult.failure(bytes.length, "HTTP " + response.statusCode() + ": " + reader.readLine());
                }
                long firstDelta = 0;
                int deltas = 0;
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!line.startsWith("data:")) {
                        continue;
                    }
                    JsonNode event = JSON.readTree(line.substring(5).strip());
                    String type = event.path("type").asText();
                    if (type.endsWith(".delta")) {
                        deltas++;
                        firstDelta = firstDelta == 0 ? System.nanoTime() : firstDelta;
                    }
                    TurnResult end = terminal(event, type, sent, firstDelta, bytes.length, deltas);
                    if (end != null) {
                        return end;
                    }
                }
                return TurnResult.failure(bytes.length, "stream ended without a terminal event");
            }
        } catch (IOException e) {
            return TurnResult.failure(bytes.length, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return TurnResult.failure(bytes.length, "interrupted");
        }
    }

    /** A plain request (JSON in, JSON out). */
    static JsonNode post(URL base, String path, ObjectNode body) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(TURN_DEADLINE)
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String get(URL base, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static TurnResult terminal(JsonNode event, String type, long sent, long firstDelta, long bytes, int deltas) {
        switch (type) {
            case "response.completed", "response.incomplete" -> {
                long now = System.nanoTime();
                return new TurnResult(millis((firstDelta == 0 ? now : firstDelta) - sent), millis(now - sent), bytes,
                        event.get("response"), null, deltas);
            }
            case "response.failed" -> {
                return TurnResult.failure(bytes, "response.failed: " + event.at("/response/error"));
            }
            case "error" -> {
                return TurnResult.failure(bytes, "error: " + event.path("error"));
            }
            default -> {
                return null;
            }
        }
    }

    static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }

    /** One WebSocket connection in Responses WebSocket mode; one turn at a time. */
    static final class Socket implements AutoCloseable {
        private final WebSocket socket;
        private final BlockingQueue<String> inbox;

        private Socket(WebSocket socket, BlockingQueue<String> inbox) {
            this.socket = socket;
            this.inbox = inbox;
        }

        static Socket open(URL base) {
            BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
            WebSocket.Listener listener = new WebSocket.Listener() {
                private final StringBuilder partial = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        inbox.add(partial.toString());
                        partial.setLength(0);
                    }
                    ws.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                    inbox.add("{\"type\":\"closed\",\"status\":" + status + "}");
                    return null;
                }

                @Override
                public void onError(WebSocket ws, Throwable error) {
                    inbox.add("{\"type\":\"closed\",\"status\":-1}");
                }
            };
            String url = base.toString().replaceFirst("^http", "ws") + "/v1/responses";
            WebSocket ws = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create(url), listener).orTimeout(10, TimeUnit.SECONDS).join();
            return new Socket(ws, inbox);
        }

        TurnResult turn(ObjectNode create) {
            create.put("type", "response.create");
            String frame = create.toString();
            long bytes = frame.getBytes(StandardCharsets.UTF_8).length;
            long sent = System.nanoTime();
            socket.sendText(frame, true).join();
            long firstDelta = 0;
            int deltas = 0;
            long deadline = sent + TURN_DEADLINE.toNanos();
            try {
                while (true) {
                    String message = inbox.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (message == null) {
                        return TurnResult.failure(bytes, "no terminal event within " + TURN_DEADLINE);
                    }
                    JsonNode event = JSON.readTree(message);
                    String type = event.path("type").asText();
                    if (type.equals("closed")) {
                        return TurnResult.failure(bytes, "socket closed: " + event.path("status"));
                    }
                    if (type.endsWith(".delta")) {
                        deltas++;
                        firstDelta = firstDelta == 0 ? System.nanoTime() : firstDelta;
                    }
                    TurnResult end = terminal(event, type, sent, firstDelta, bytes, deltas);
                    if (end != null) {
                        return end;
                    }
                }
            } catch (IOException e) {
                return TurnResult.failure(bytes, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return TurnResult.failure(bytes, "interrupted");
            }
        }

        @Override
        public void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(failure -> null).join();
        }
    }
}
