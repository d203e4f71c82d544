package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineRequest;
import dev.baton.engine.upstream.Endpoint;
import dev.baton.engine.upstream.UpstreamProtocol;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code openai-chat}: any OpenAI-compatible {@code /v1/chat/completions} server (vLLM, SGLang,
 * llama.cpp, Ollama, TGI) with streaming. The upstream response is read only as fast as the turn
 * consumes it and reset when the turn is cancelled ({@link StreamingPost}).
 */
@ApplicationScoped
public class ChatCompletionsProtocol implements UpstreamProtocol {

    private final ObjectMapper json;
    private final ChatRequestMapper mapper;
    private final StreamingPost post;

    public ChatCompletionsProtocol(Vertx vertx, ObjectMapper json, BatonConfig config) {
        this.json = json;
        this.mapper = new ChatRequestMapper(json);
        this.post = new StreamingPost(vertx, json, config.upstream());
    }

    @Override
    public String protocol() {
        return Endpoint.CHAT;
    }

    @Override
    public Multi<EngineEvent> stream(EngineRequest request, Endpoint endpoint) {
        Buffer body = Buffer.buffer(mapper.map(request, endpoint.modelFor(request.model())).toString());
        return post.stream(endpoint, "chat/completions", body, () -> new ChatStreamDecoder(json));
    }
}
