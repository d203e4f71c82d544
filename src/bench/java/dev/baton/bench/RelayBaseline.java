package dev.baton.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;

/**
 * The practical limit of relaying on this machine: a minimal Vert.x WebSocket server that answers each
 * text message with the same frames Baton sends for a turn of the same length (N output-text deltas,
 * then {@code response.completed}), with nothing else to do. Run as its own process so that its CPU
 * time is measured like Baton's: {@code RelayBaseline <port> <deltas per turn>}.
 */
public final class RelayBaseline {

    private RelayBaseline() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int deltas = Integer.parseInt(args[1]);
        Vertx vertx = Vertx.vertx();
        vertx.createHttpServer().webSocketHandler(ws -> ws.textMessageHandler(ignored -> send(ws, deltas, 0)))
                .requestHandler(request -> request.response().end("ready"))
                .listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
        System.out.println("relay baseline listening on " + port);
    }

    /** Writes the turn's frames, pausing whenever the socket's write queue is full. */
    private static void send(ServerWebSocket ws, int deltas, int from) {
        int next = from;
        while (next < deltas && !ws.writeQueueFull()) {
            ws.writeTextMessage("{\"type\":\"response.output_text.delta\",\"sequence_number\":" + (next + 4)
                    + ",\"item_id\":\"msg_0123456789abcdef0123456789abcdef0123456789abcdef\",\"output_index\":0,"
                    + "\"content_index\":0,\"delta\":\" lorem\",\"logprobs\":[]}");
            next++;
        }
        if (next < deltas) {
            int resume = next;
            ws.drainHandler(drained -> send(ws, deltas, resume));
            return;
        }
        ws.writeTextMessage("{\"type\":\"response.completed\",\"sequence_number\":" + (deltas + 4)
                + ",\"response\":{\"id\":\"resp_baseline\",\"object\":\"response\",\"status\":\"completed\","
                + "\"output\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":" + deltas + ",\"total_tokens\":"
                + (deltas + 1) + "}}}");
    }
}
