package dev.baton.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.support.TokenizerOracle;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A faithful fake of a token-in engine's {@code /v1/completions} (vLLM, SGLang): it takes {@code prompt} as
 * token ids, records every prompt, and streams {@code text_completion} chunks of a Qwen3-style reply — on
 * the first turn of a conversation reasoning, text and a tool call; after a tool result a short answer —
 * cut into small chunks so tags arrive split, then usage with the prompt's exact length.
 */
public class FakeCompletionsServer implements QuarkusTestResourceLifecycleManager {

    public static final List<JsonNode> PROMPTS = new CopyOnWriteArrayList<>();
    static final String TOOL_TURN = "<think>\nI should list the files.\n</think>\n\nLet me look — ✓.\n<tool_call>\n"
            + "{\"name\": \"exec_command\", \"arguments\": {\"cmd\": \"ls -la\"}}\n</tool_call>";
    static final String ANSWER = "<think>\nThe listing is in.\n</think>\n\nThere are two files: a and b.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TOOL_RESPONSE_ID = 151665; // Qwen3's <tool_response>

    private Vertx vertx;

    @Override
    public Map<String, String> start() {
        try {
            TokenizerOracle.install();
        } catch (Exception e) {
            throw new IllegalStateException("the tokenizer files could not be installed", e);
        }
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(this::handle);
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of("baton.engine", "openai-completions",
                "baton.upstream.url", "http://127.0.0.1:" + server.actualPort() + "/v1",
                "baton.upstream.tokenizer", TokenizerOracle.tokenizerFile("qwen3").getParent().toAbsolutePath().toString(),
                "baton.upstream.idle-timeout", "5s");
    }

    @Override
    public void stop() {
        vertx.close();
    }

    private void handle(HttpServerRequest request) {
        if (request.path().equals("/v1/models")) {
            request.response().putHeader("content-type", "application/json")
                    .end("{\"object\":\"list\",\"data\":[{\"id\":\"qwen3\",\"object\":\"model\"}]}");
            return;
        }
        if (!request.path().equals("/v1/completions")) {
            request.response().setStatusCode(404).end();
            return;
        }
        request.body().onSuccess(body -> {
            JsonNode completion;
            try {
                completion = JSON.readTree(body.toString());
            } catch (Exception e) {
                request.response().setStatusCode(400).end("{\"error\":{\"message\":\"not JSON\"}}");
                return;
            }
            JsonNode prompt = completion.path("prompt");
            if (!prompt.isArray() || prompt.isEmpty() || !prompt.get(0).isInt()) {
                request.response().setStatusCode(400).end("{\"error\":{\"message\":\"prompt must be token ids\"}}");
                return;
            }
            PROMPTS.add(prompt);
            boolean afterTool = false;
            for (JsonNode id : prompt) {
                afterTool |= id.asInt() == TOOL_RESPONSE_ID;
            }
            String reply = afterTool ? ANSWER : TOOL_TURN;
            var response = request.response().setChunked(true).putHeader("content-type", "text/event-stream");
            for (int i = 0; i < reply.length(); i += 3) {
                String piece = reply.substring(i, Math.min(reply.length(), i + 3));
                response.write("data: " + JSON.createObjectNode().put("object", "text_completion").set("choices",
                        JSON.createArrayNode().add(JSON.createObjectNode().put("index", 0).put("text", piece)
                                .putNull("finish_reason"))) + "\n\n");
            }
            response.write("data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"stop\"}]}\n\n");
            response.write("data: {\"object\":\"text_completion\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt.size()
                    + ",\"completion_tokens\":" + (reply.length() / 4) + ",\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n");
            response.end("data: [DONE]\n\n");
        });
    }
}
