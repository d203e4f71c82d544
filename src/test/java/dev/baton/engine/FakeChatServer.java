package dev.baton.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A faithful fake of an OpenAI-compatible {@code /v1/chat/completions} streaming server (the
 * {@code chat.completion.chunk} SSE format of OpenAI's API reference, as vLLM and llama.cpp emit it).
 * The last user message picks the behaviour: {@code [text]}, {@code [tools]} (two parallel calls),
 * {@code [reasoning]} ({@code reasoning_content} deltas), {@code [slow]} (40 chunks, 25 ms apart),
 * {@code [stall]} (silent after its first chunk), {@code [length]}, {@code [disconnect]} (dies mid-stream), {@code [malformed]}, {@code [bad-request]}
 * (400), {@code [flaky]} (503 on the first attempt), {@code [overloaded]} (503 always). Requests are recorded for
 * assertions. {@link #forcedMode} makes every request behave one way, whatever it says: an engine gone bad.
 */
public class FakeChatServer implements QuarkusTestResourceLifecycleManager {

    public static final List<JsonNode> REQUESTS = new CopyOnWriteArrayList<>();
    /** {@code [slow]} streams whose client closed the connection before their end (a cancelled upstream turn). */
    public static final AtomicInteger ABANDONED_STREAMS = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger FLAKY = new AtomicInteger();

    /** When set (e.g. {@code "[stall]"}), every request behaves so; {@code null}: each request's own mode. */
    public static volatile String forcedMode;

    private Vertx vertx;
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(this::handle);
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of("baton.engine", "openai-chat",
                "baton.upstream.url", "http://127.0.0.1:" + server.actualPort() + "/v1",
                "baton.upstream.api-key", "sk-upstream",
                "baton.upstream.models", "fake-model",
                "baton.upstream.idle-timeout", "2s");
    }

    @Override
    public void stop() {
        vertx.close();
    }

    private void handle(HttpServerRequest request) {
        if (request.path().equals("/v1/models") && "Bearer sk-upstream".equals(request.getHeader("authorization"))) {
            request.response().putHeader("content-type", "application/json")
                    .end("{\"object\":\"list\",\"data\":[{\"id\":\"fake-model\",\"object\":\"model\",\"created\":1,\"owned_by\":\"vllm\"}]}");
            return;
        }
        if (!request.path().equals("/v1/chat/completions")
                || !"Bearer sk-upstream".equals(request.getHeader("authorization"))) {
            request.response().setStatusCode(404).end();
            return;
        }
        request.body().onSuccess(body -> {
            JsonNode json;
            try {
                json = JSON.readTree(body.toString());
            } catch (java.io.IOException e) {
                request.response().setStatusCode(400).end();
                return;
            }
            if (forcedMode == null) {
                REQUESTS.add(json); // a forced run is a load test: nothing asserts on its requests
            }
            String forced = forcedMode;
            String mode = forced != null ? forced : lastUser(json);
            if (mode.contains("[bad-request]")) {
                request.response().setStatusCode(400).putHeader("content-type", "application/json")
                        .end("{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens.\",\"type\":\"invalid_request_error\"}}");
                return;
            }
            if (mode.contains("[overloaded]") || mode.contains("[flaky]") && FLAKY.getAndIncrement() % 2 == 0) {
                request.response().setStatusCode(503).end("{\"error\":{\"message\":\"overloaded\"}}");
                return;
            }
            var response = request.response().setChunked(true).putHeader("content-type", "text/event-stream");
            if (mode.contains("[stall]")) {
                response.write(chunk("{\"role\":\"assistant\",\"content\":\"Thinking\"}", null));
                return; // and never another byte
            }
            if (mode.contains("[slow]")) {
                response.write(chunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
                AtomicInteger left = new AtomicInteger(40);
                // the client (Baton) going away mid-stream closes the connection: counted, and the stream stops
                request.connection().closeHandler(closed -> {
                    if (left.get() > 0) {
                        ABANDONED_STREAMS.incrementAndGet();
                    }
                });
                vertx.setPeriodic(25, timer -> {
                    if (response.closed()) {
                        vertx.cancelTimer(timer);
                        return;
                    }
                    if (left.getAndDecrement() > 0) {
                        response.write(chunk("{\"content\":\"tick \"}", null));
                        return;
                    }
                    vertx.cancelTimer(timer);
                    response.write(chunk("{}", "stop"));
                    response.end("data: [DONE]\n\n");
                });
                return;
            }
            if (mode.contains("[malformed]")) {
                response.write(chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null));
                response.end("data: {not json\n\n");
                return;
            }
            if (mode.contains("[disconnect]")) {
                response.write(chunk("{\"role\":\"assistant\",\"content\":\"Half an ans\"}", null));
                request.connection().close();
                return;
            }
            if (mode.contains("[reasoning]")) {
                // vLLM/SGLang reasoning parsers stream the thinking as delta.reasoning_content before the answer
                response.write(chunk("{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"The user \"}", null));
                response.write(chunk("{\"reasoning_content\":\"greets.\"}", null));
                response.write(chunk("{\"content\":\"Hi!\"}", null));
                response.write(chunk("{}", "stop"));
            } else if (mode.contains("[tools]")) {
                response.write(chunk("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null));
                response.write(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}", null));
                response.write(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}", null));
                response.write(chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}", null));
                response.write(chunk("{}", "tool_calls"));
            } else {
                response.write(chunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
                for (String piece : new String[] {"Hel", "lo ", "from ", "the ", "fake ", "engine ", "✓"}) {
                    response.write(chunk("{\"content\":\"" + piece + "\"}", null));
                }
                response.write(chunk("{}", mode.contains("[length]") ? "length" : "stop"));
            }
            response.write("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake-model\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":7,\"total_tokens\":49,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":32}}}\n\n");
            response.end("data: [DONE]\n\n");
        });
    }

    private static String chunk(String delta, String finishReason) {
        return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake-model\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}\n\n";
    }

    private static String lastUser(JsonNode request) {
        String text = "";
        for (JsonNode message : request.path("messages")) {
            if ("user".equals(message.path("role").asText())) {
                text = message.path("content").asText();
            }
        }
        return text;
    }
}
