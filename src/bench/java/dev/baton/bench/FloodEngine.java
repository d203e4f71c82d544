package dev.baton.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * An OpenAI-compatible chat-completions engine that streams as fast as its reader takes the bytes: the
 * ceiling a gateway must keep pace with (the fastest models stream 1,000–4,000 tokens/s; this streams
 * hundreds of thousands). {@code POST /v1/chat/completions} with {@code stream: true} answers
 * {@code max_tokens} one-token chunks (or the default given at start), then the finish chunk and the usage
 * chunk, pausing whenever the socket's write queue is full. Run as its own process:
 * {@code FloodEngine <port> <default tokens>}.
 */
public final class FloodEngine {

    private static final Buffer TOKEN = Buffer.buffer("data: {\"id\":\"chatcmpl-flood\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1,\"model\":\"flood\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" lorem\"},"
            + "\"finish_reason\":null}]}\n\n");

    private FloodEngine() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int defaultTokens = Integer.parseInt(args[1]);
        Vertx vertx = Vertx.vertx();
        vertx.createHttpServer().requestHandler(request -> {
            if (!request.path().endsWith("/chat/completions")) {
                request.response().end("flood engine");
                return;
            }
            request.body().onSuccess(body -> {
                JsonObject create = body.toJsonObject();
                int tokens = create.getInteger("max_tokens", defaultTokens);
                HttpServerResponse response = request.response().setChunked(true)
                        .putHeader("content-type", "text/event-stream");
                response.write("data: {\"id\":\"chatcmpl-flood\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                        + "\"model\":\"flood\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"finish_reason\":null}]}\n\n");
                send(response, tokens, 0);
            });
        }).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
        System.out.println("flood engine listening on " + port);
    }

    private static void send(HttpServerResponse response, int tokens, int from) {
        int next = from;
        while (next < tokens && !response.writeQueueFull()) {
            response.write(TOKEN);
            next++;
        }
        if (next < tokens) {
            int resume = next;
            response.drainHandler(drained -> send(response, tokens, resume));
            return;
        }
        response.write("data: {\"id\":\"chatcmpl-flood\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"flood\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        response.write("data: {\"id\":\"chatcmpl-flood\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"flood\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":" + tokens + ",\"total_tokens\":"
                + (tokens + 8) + "}}\n\n");
        response.end("data: [DONE]\n\n");
    }
}
