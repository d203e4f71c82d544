package dev.baton.safety;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A fake of OpenAI's {@code POST /v1/moderations} as its API reference shapes it — request {@code {"model",
 * "input": [strings]}}, answer {@code {"id", "model", "results": [{"flagged", "categories", "category_scores"}]}}
 * one result per input — that records every request and flags inputs that mention {@code FORBIDDEN-TOPIC}
 * (category {@code violence}). It also writes the BATON_SAFETY file of {@link SafetyTest}.
 */
public class FakeModerationsServer implements QuarkusTestResourceLifecycleManager {

    public static final List<JsonNode> REQUESTS = new CopyOnWriteArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CATEGORIES = List.of("harassment", "hate", "self-harm", "sexual", "violence");

    private Vertx vertx;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(request -> {
            if (!request.path().equals("/v1/moderations") || !"POST".equals(request.method().name())) {
                request.response().setStatusCode(404).end("{\"error\":{\"message\":\"not found\"}}");
                return;
            }
            request.body().onSuccess(body -> {
                JsonNode create;
                try {
                    create = JSON.readTree(body.toString());
                } catch (IOException e) {
                    request.response().setStatusCode(400).end("{\"error\":{\"message\":\"not JSON\"}}");
                    return;
                }
                JsonNode input = create.path("input");
                if (!input.isArray() || !create.path("model").isTextual()) {
                    request.response().setStatusCode(400).end("{\"error\":{\"message\":\"input must be an array, model a string\"}}");
                    return;
                }
                REQUESTS.add(create);
                ObjectNode answer = JSON.createObjectNode().put("id", "modr-" + REQUESTS.size())
                        .put("model", create.path("model").asText());
                ArrayNode results = answer.putArray("results");
                for (JsonNode text : input) {
                    boolean flagged = text.asText().contains("FORBIDDEN-TOPIC");
                    ObjectNode result = results.addObject().put("flagged", flagged);
                    ObjectNode categories = result.putObject("categories");
                    ObjectNode scores = result.putObject("category_scores");
                    for (String category : CATEGORIES) {
                        boolean hit = flagged && category.equals("violence");
                        categories.put(category, hit);
                        scores.put(category, hit ? 0.97 : 0.001);
                    }
                }
                request.response().putHeader("content-type", "application/json").end(answer.toString());
            });
        });
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            Path file = Files.createTempFile("baton-safety", ".yaml");
            Files.writeString(file, """
                    classifiers:
                      - {name: secrets, type: secrets, action: block}
                      - {name: pii, type: pii, action: redact}
                      - {name: injection, type: injection, action: flag}
                      - {name: injection-window, type: injection, action: flag, scope: window, window_tokens: 200}
                      - {name: output-secrets, type: secrets, action: block, apply_to: output}
                      - {name: output-pii, type: pii, action: flag, apply_to: output}
                      - name: moderation
                        type: openai-moderations
                        url: http://127.0.0.1:%d/v1
                        model: omni-moderation-latest
                        timeout: 2s
                        on_error: allow
                        action: block
                    """.formatted(server.actualPort()));
            file.toFile().deleteOnExit();
            return Map.of("baton.safety", file.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        vertx.close();
    }
}
