package dev.baton.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A faithful fake of an upstream OpenAI Responses API with {@code store:false}: streaming over SSE
 * ({@code POST /v1/responses}, {@code event:}/{@code data:} lines) and over WebSocket mode
 * ({@code GET /v1/responses} upgrade; one event per text frame; {@code previous_response_id} resolves
 * only the connection's most recent response, otherwise {@code previous_response_not_found}).
 * Event shapes follow OpenAI's API reference (checked by {@code FakeUpstreamFormatTest}).
 *
 * <p>It models an engine's prefix cache: {@code cached_tokens} is 10 × the longest item prefix this
 * server has already processed, so it shows which replica holds a chain. The last user message picks
 * the behaviour: {@code [tools]} (two parallel calls), {@code [reasoning]}, {@code [length]},
 * {@code [fail]} ({@code response.failed}), {@code [disconnect]} (dies mid-stream), {@code [malformed]},
 * {@code [bad-request]} (400), {@code [flaky]} (503 / closed socket on every other attempt),
 * {@code [slow]} (40 deltas, 25 ms apart), {@code [stall]} (goes silent after its first delta); a context ending in tool outputs gets a text answer.
 */
public final class FakeResponsesServer implements AutoCloseable {

    /** One {@code response.create} as received. */
    public record Received(String transport, int connection, JsonNode body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String apiKey;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Set<String> seenPrefixes = ConcurrentHashMap.newKeySet();
    private final AtomicInteger flaky = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger streaming = new AtomicInteger();
    private final AtomicInteger mostStreaming = new AtomicInteger();
    private final Set<ServerWebSocket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean forgetting;
    private Vertx vertx;
    private HttpServer server;
    private int port;

    public FakeResponsesServer(String name, String apiKey) {
        this.name = name;
        this.apiKey = apiKey;
    }

    /** Starts on {@code port} (0: any free port; a restart passes the old one). */
    public FakeResponsesServer start(int wantedPort) {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setMaxWebSocketMessageSize(64 << 20))
                .webSocketHandler(this::socket).requestHandler(this::http);
        try {
            server.listen(wantedPort, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        port = server.actualPort();
        return this;
    }

    /** Stops listening and drops every connection, like a crashed engine. */
    public void stop() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    public List<Received> received() {
        return received;
    }

    public Received last() {
        return received.get(received.size() - 1);
    }

    /** The most HTTP streams that were open at once. */
    public int mostConcurrentStreams() {
        return mostStreaming.get();
    }

    /** WebSocket connections open now. */
    public int openSockets() {
        return sockets.size();
    }

    /** WebSocket connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** From now on every socket forgets its cached response, as after an upstream restart of its cache. */
    public void forgetResponses(boolean forget) {
        this.forgetting = forget;
    }

    private boolean authorized(HttpServerRequest request) {
        return apiKey == null || ("Bearer " + apiKey).equals(request.getHeader("authorization"));
    }

    private void http(HttpServerRequest request) {
        if (!authorized(request)) {
            request.response().setStatusCode(401).putHeader("content-type", "application/json")
                    .end("{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
            return;
        }
        if (request.method().name().equals("GET") && request.path().equals("/v1/models")) {
            request.response().putHeader("content-type", "application/json")
                    .end("{\"object\":\"list\",\"data\":[{\"id\":\"fake-model\",\"object\":\"model\",\"created\":1,\"owned_by\":\"" + name + "\"}]}");
            return;
        }
        if (!request.method().name().equals("POST") || !request.path().equals("/v1/responses")) {
            request.response().setStatusCode(404).end();
            return;
        }
        request.body().onSuccess(buffer -> {
            JsonNode body;
            try {
                body = JSON.readTree(buffer.toString());
            } catch (Exception e) {
                request.response().setStatusCode(400).end();
                return;
            }
            received.add(new Received("http", 0, body));
            List<JsonNode> context = items(body.path("input"));
            String mode = mode(context);
            if (mode.contains("[bad-request]")) {
                request.response().setStatusCode(400).putHeader("content-type", "application/json")
                        .end("{\"error\":{\"message\":\"Input is too long for this model.\",\"type\":\"invalid_request_error\",\"param\":\"input\",\"code\":\"context_length_exceeded\"}}");
                return;
            }
            if (mode.contains("[flaky]") && flaky.getAndIncrement() % 2 == 0) {
                request.response().setStatusCode(503).putHeader("content-type", "application/json")
                        .end("{\"error\":{\"message\":\"The engine is currently overloaded.\",\"type\":\"server_error\"}}");
                return;
            }
            HttpServerResponse response = request.response().setChunked(true)
                    .putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
            mostStreaming.accumulateAndGet(streaming.incrementAndGet(), Math::max);
            AtomicInteger once = new AtomicInteger();
            Runnable closed = () -> {
                if (once.getAndIncrement() == 0) {
                    streaming.decrementAndGet();
                }
            };
            response.endHandler(v -> closed.run());
            response.closeHandler(v -> closed.run());
            Sink sink = new Sink() {
                @Override
                public void event(ObjectNode event) {
                    response.write("event: " + event.path("type").asText() + "\ndata: " + event + "\n\n");
                }

                @Override
                public void raw(String text) {
                    response.write(text);
                }

                @Override
                public void end() {
                    response.end();
                }

                @Override
                public void die() {
                    request.connection().close();
                }
            };
            generate(body, context, mode, sink, null);
        });
    }

    private void socket(ServerWebSocket socket) {
        if (!socket.path().equals("/v1/responses") || (apiKey != null
                && !("Bearer " + apiKey).equals(socket.headers().get("authorization")))) {
            socket.reject(apiKey == null ? 404 : 401);
            return;
        }
        int connection = connections.incrementAndGet();
        sockets.add(socket);
        socket.closeHandler(v -> sockets.remove(socket));
        // the connection-local cache of store:false responses: only the most recent one
        Map<String, List<JsonNode>> cache = new HashMap<>();
        socket.textMessageHandler(text -> {
            JsonNode body;
            try {
                body = JSON.readTree(text);
            } catch (Exception e) {
                socket.writeTextMessage("{\"type\":\"error\",\"status\":400,\"error\":{\"type\":\"invalid_request_error\",\"code\":\"invalid_json\",\"message\":\"Invalid JSON.\"}}");
                return;
            }
            received.add(new Received("websocket", connection, body));
            List<JsonNode> context = new ArrayList<>();
            String previous = body.path("previous_response_id").asText(null);
            if (previous != null) {
                List<JsonNode> before = forgetting ? null : cache.get(previous);
                if (before == null) {
                    socket.writeTextMessage("{\"type\":\"error\",\"status\":400,\"error\":{\"type\":\"invalid_request_error\",\"code\":\"previous_response_not_found\","
                            + "\"message\":\"Previous response with id '" + previous + "' not found.\",\"param\":\"previous_response_id\"}}");
                    return;
                }
                context.addAll(before);
            }
            context.addAll(items(body.path("input")));
            String mode = mode(context);
            if (mode.contains("[bad-request]")) {
                socket.writeTextMessage("{\"type\":\"error\",\"status\":400,\"error\":{\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\","
                        + "\"message\":\"Input is too long for this model.\",\"param\":\"input\"}}");
                return;
            }
            if (mode.contains("[flaky]") && flaky.getAndIncrement() % 2 == 0) {
                socket.close((short) 1011, "overloaded");
                return;
            }
            Sink sink = new Sink() {
                @Override
                public void event(ObjectNode event) {
                    socket.writeTextMessage(event.toString());
                }

                @Override
                public void raw(String text) {
                    socket.writeTextMessage(text);
                }

                @Override
                public void end() {
                }

                @Override
                public void die() {
                    socket.close((short) 1011, "engine crashed");
                }
            };
            generate(body, context, mode, sink, finished -> {
                cache.clear();
                cache.put(finished.path("id").asText(), finished.get("_context") == null ? List.of() : items(finished.get("_context")));
                finished.remove("_context");
            });
        });
    }

    private interface Sink {
        void event(ObjectNode event);

        void raw(String text);

        void end();

        void die();
    }

    /** Streams one response for {@code context} through {@code sink}; {@code onFinished} sees the final response (WS cache). */
    private void generate(JsonNode body, List<JsonNode> context, String mode, Sink sink, Consumer<ObjectNode> onFinished) {
        Stream stream = new Stream(body, context, sink);
        stream.lifecycle("response.created", "in_progress");
        stream.lifecycle("response.in_progress", "in_progress");
        if (mode.contains("[malformed]")) {
            sink.raw("event: response.output_item.added\ndata: {not json\n\n");
            sink.end();
            return;
        }
        JsonNode last = context.isEmpty() ? null : context.get(context.size() - 1);
        if (last != null && "function_call_output".equals(last.path("type").asText())) {
            stream.message("Tool said: " + last.path("output").asText(), 3);
        } else if (mode.contains("[tools]")) {
            stream.functionCall("call_" + name + "_w", "get_weather", "{\"city\":\"Paris\"}");
            stream.functionCall("call_" + name + "_t", "get_time", "{}");
        } else if (mode.contains("[reasoning]")) {
            stream.reasoning("The user greets; answer briefly.");
            stream.message("Hello from " + name + " ✓", 3);
        } else if (mode.contains("[disconnect]")) {
            stream.startMessage("Half an ans");
            sink.die();
            return;
        } else if (mode.contains("[stall]")) {
            stream.startMessage("Thinking");
            return; // and never another byte
        } else if (mode.contains("[slow]")) {
            stream.slowMessage(40, onFinished);
            return;
        } else {
            stream.message("Hello from " + name + " ✓", 3);
        }
        if (mode.contains("[fail]")) {
            stream.failed();
            sink.end();
            return;
        }
        stream.finish(mode.contains("[length]") ? "max_output_tokens" : null, onFinished);
    }

    private static List<JsonNode> items(JsonNode input) {
        List<JsonNode> items = new ArrayList<>();
        if (input.isTextual()) {
            items.add(JSON.createObjectNode().put("type", "message").put("role", "user").put("content", input.asText()));
        } else {
            input.forEach(items::add);
        }
        return items;
    }

    private static String mode(List<JsonNode> context) {
        String mode = "";
        for (JsonNode item : context) {
            if ("user".equals(item.path("role").asText())) {
                mode = text(item);
            }
        }
        return mode;
    }

    /** What a prefix cache would key an item on: its role/type and text, not its ids. */
    private static String canonical(JsonNode item) {
        String type = item.path("type").asText("message");
        return type + "|" + item.path("role").asText("") + "|" + text(item) + "|" + item.path("call_id").asText("")
                + "|" + item.path("name").asText("") + "|" + item.path("arguments").asText("") + "|"
                + item.path("output").asText("");
    }

    private static String text(JsonNode item) {
        JsonNode content = item.path("content");
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        content.forEach(part -> text.append(part.path("text").asText("")));
        return text.toString();
    }

    /** The events of one response, numbered from 0. */
    private final class Stream {
        private final JsonNode body;
        private final List<JsonNode> context;
        private final Sink sink;
        private final ObjectNode response;
        private final ArrayNode output;
        private int sequence;
        private int outputTokens;

        Stream(JsonNode body, List<JsonNode> context, Sink sink) {
            this.body = body;
            this.context = context;
            this.sink = sink;
            response = JSON.createObjectNode();
            response.put("id", "resp_" + name + "_" + ids.incrementAndGet());
            response.put("object", "response");
            response.put("created_at", System.currentTimeMillis() / 1000);
            response.put("status", "in_progress");
            response.putNull("error");
            response.putNull("incomplete_details");
            response.set("instructions", body.get("instructions"));
            response.putObject("metadata");
            response.put("model", body.path("model").asText());
            output = response.putArray("output");
            response.put("parallel_tool_calls", body.path("parallel_tool_calls").asBoolean(true));
            response.set("previous_response_id", body.get("previous_response_id"));
            response.put("store", false);
            response.put("temperature", body.path("temperature").asDouble(1.0));
            response.set("tool_choice", body.has("tool_choice") ? body.get("tool_choice") : JSON.getNodeFactory().textNode("auto"));
            response.set("tools", body.has("tools") ? body.get("tools") : JSON.createArrayNode());
            response.put("top_p", body.path("top_p").asDouble(1.0));
            response.putObject("text").putObject("format").put("type", "text");
            response.put("truncation", "disabled");
            response.putNull("usage");
        }

        ObjectNode event(String type) {
            ObjectNode event = JSON.createObjectNode();
            event.put("type", type);
            event.put("sequence_number", sequence++);
            return event;
        }

        void lifecycle(String type, String status) {
            response.put("status", status);
            ObjectNode event = event(type);
            event.set("response", response.deepCopy());
            sink.event(event);
        }

        void message(String text, int pieces) {
            ObjectNode item = startMessage(null);
            int step = Math.max(1, (text.length() + pieces - 1) / pieces);
            for (int i = 0; i < text.length(); i += step) {
                textDelta(item, text.substring(i, Math.min(text.length(), i + step)));
            }
            finishMessage(item, text);
        }

        ObjectNode startMessage(String firstDelta) {
            int index = output.size();
            ObjectNode item = JSON.createObjectNode();
            item.put("id", "msg_" + name + "_" + ids.incrementAndGet());
            item.put("type", "message");
            item.put("status", "in_progress");
            item.put("role", "assistant");
            item.putArray("content");
            ObjectNode added = event("response.output_item.added");
            added.put("output_index", index);
            added.set("item", item.deepCopy());
            sink.event(added);
            ObjectNode part = event("response.content_part.added");
            part.put("item_id", item.path("id").asText());
            part.put("output_index", index);
            part.put("content_index", 0);
            part.set("part", outputText(""));
            sink.event(part);
            item.put("_index", index);
            if (firstDelta != null) {
                textDelta(item, firstDelta);
            }
            return item;
        }

        void textDelta(ObjectNode item, String delta) {
            ObjectNode event = event("response.output_text.delta");
            event.put("item_id", item.path("id").asText());
            event.put("output_index", item.path("_index").asInt());
            event.put("content_index", 0);
            event.put("delta", delta);
            event.putArray("logprobs");
            sink.event(event);
            outputTokens++;
        }

        void finishMessage(ObjectNode item, String text) {
            int index = item.path("_index").asInt();
            item.remove("_index");
            String id = item.path("id").asText();
            ObjectNode done = event("response.output_text.done");
            done.put("item_id", id);
            done.put("output_index", index);
            done.put("content_index", 0);
            done.put("text", text);
            done.putArray("logprobs");
            sink.event(done);
            ObjectNode part = event("response.content_part.done");
            part.put("item_id", id);
            part.put("output_index", index);
            part.put("content_index", 0);
            part.set("part", outputText(text));
            sink.event(part);
            item.put("status", "completed");
            ((ArrayNode) item.get("content")).add(outputText(text));
            itemDone(index, item);
        }

        void slowMessage(int pieces, Consumer<ObjectNode> onFinished) {
            ObjectNode item = startMessage(null);
            StringBuilder text = new StringBuilder();
            AtomicInteger left = new AtomicInteger(pieces);
            vertx.setPeriodic(25, timer -> {
                if (left.getAndDecrement() > 0) {
                    text.append("tick ");
                    textDelta(item, "tick ");
                    return;
                }
                vertx.cancelTimer(timer);
                finishMessage(item, text.toString());
                finish(null, onFinished);
            });
        }

        void functionCall(String callId, String function, String arguments) {
            int index = output.size();
            ObjectNode item = JSON.createObjectNode();
            item.put("id", "fc_" + name + "_" + ids.incrementAndGet());
            item.put("type", "function_call");
            item.put("status", "in_progress");
            item.put("arguments", "");
            item.put("call_id", callId);
            item.put("name", function);
            ObjectNode added = event("response.output_item.added");
            added.put("output_index", index);
            added.set("item", item.deepCopy());
            sink.event(added);
            int half = arguments.length() / 2;
            for (String piece : new String[] {arguments.substring(0, half), arguments.substring(half)}) {
                if (piece.isEmpty()) {
                    continue;
                }
                ObjectNode delta = event("response.function_call_arguments.delta");
                delta.put("item_id", item.path("id").asText());
                delta.put("output_index", index);
                delta.put("delta", piece);
                sink.event(delta);
            }
            ObjectNode done = event("response.function_call_arguments.done");
            done.put("item_id", item.path("id").asText());
            done.put("output_index", index);
            done.put("name", function);
            done.put("arguments", arguments);
            sink.event(done);
            item.put("status", "completed");
            item.put("arguments", arguments);
            outputTokens += 5;
            itemDone(index, item);
        }

        void reasoning(String thought) {
            int index = output.size();
            ObjectNode item = JSON.createObjectNode();
            item.put("id", "rs_" + name + "_" + ids.incrementAndGet());
            item.put("type", "reasoning");
            item.putArray("summary");
            ObjectNode added = event("response.output_item.added");
            added.put("output_index", index);
            added.set("item", item.deepCopy());
            sink.event(added);
            for (String piece : thought.split("(?<= )")) {
                ObjectNode delta = event("response.reasoning_text.delta");
                delta.put("item_id", item.path("id").asText());
                delta.put("output_index", index);
                delta.put("content_index", 0);
                delta.put("delta", piece);
                sink.event(delta);
            }
            ObjectNode done = event("response.reasoning_text.done");
            done.put("item_id", item.path("id").asText());
            done.put("output_index", index);
            done.put("content_index", 0);
            done.put("text", thought);
            sink.event(done);
            item.putArray("content").addObject().put("type", "reasoning_text").put("text", thought);
            item.put("encrypted_content", "enc:" + name + ":" + thought.length());
            outputTokens += 8;
            itemDone(index, item);
        }

        void itemDone(int index, ObjectNode item) {
            output.add(item);
            ObjectNode done = event("response.output_item.done");
            done.put("output_index", index);
            done.set("item", item);
            sink.event(done);
        }

        void failed() {
            response.put("status", "failed");
            response.putObject("error").put("code", "server_error").put("message", "The model crashed while generating.");
            ObjectNode event = event("response.failed");
            event.set("response", response);
            sink.event(event);
        }

        void finish(String incompleteReason, Consumer<ObjectNode> onFinished) {
            List<JsonNode> processed = new ArrayList<>(context);
            output.forEach(processed::add);
            int cachedItems = 0;
            StringBuilder prefix = new StringBuilder(String.valueOf(body.path("instructions").asText("")));
            List<String> prefixes = new ArrayList<>();
            for (JsonNode item : processed) {
                prefix.append('\u0001').append(canonical(item));
                prefixes.add(prefix.toString());
            }
            for (int i = 0; i < context.size(); i++) {
                if (seenPrefixes.contains(prefixes.get(i))) {
                    cachedItems = i + 1;
                }
            }
            seenPrefixes.addAll(prefixes);
            response.put("status", incompleteReason == null ? "completed" : "incomplete");
            if (incompleteReason != null) {
                response.putObject("incomplete_details").put("reason", incompleteReason);
            }
            response.put("completed_at", System.currentTimeMillis() / 1000);
            ObjectNode usage = response.putObject("usage");
            usage.put("input_tokens", 10 * context.size());
            usage.putObject("input_tokens_details").put("cached_tokens", 10 * cachedItems).put("cache_write_tokens", 0);
            usage.put("output_tokens", outputTokens);
            usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
            usage.put("total_tokens", 10 * context.size() + outputTokens);
            ObjectNode event = event(incompleteReason == null ? "response.completed" : "response.incomplete");
            event.set("response", response);
            if (onFinished != null) {
                ObjectNode cached = response.deepCopy();
                ArrayNode all = cached.putArray("_context");
                processed.forEach(all::add);
                onFinished.accept(cached);
            }
            sink.event(event);
            sink.end();
        }

        private ObjectNode outputText(String text) {
            ObjectNode part = JSON.createObjectNode();
            part.put("type", "output_text");
            part.putArray("annotations");
            part.putArray("logprobs");
            part.put("text", text);
            return part;
        }
    }
}
