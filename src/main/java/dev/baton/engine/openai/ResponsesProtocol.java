package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineRequest;
import dev.baton.engine.upstream.Endpoint;
import dev.baton.engine.upstream.UpstreamProtocol;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code openai-responses}: an upstream Responses API. Over {@code http} every turn is one streaming
 * {@code POST <url>/responses} with the whole context and {@code store:false}. Over {@code websocket}
 * the upstream's own WebSocket mode is used: one upstream socket per chain, continued with
 * {@code previous_response_id} and only the turn's new items ({@link UpstreamSockets}).
 */
@ApplicationScoped
public class ResponsesProtocol implements UpstreamProtocol {

    private final ObjectMapper json;
    private final ResponsesRequestMapper mapper;
    private final StreamingPost post;
    private final UpstreamSockets sockets;

    public ResponsesProtocol(Vertx vertx, ObjectMapper json, BatonConfig config, MeterRegistry metrics) {
        this.json = json;
        this.mapper = new ResponsesRequestMapper(json);
        this.post = new StreamingPost(vertx, json, config.upstream());
        this.sockets = new UpstreamSockets(vertx, json, mapper, config.upstream(), metrics);
    }

    @PreDestroy
    void stop() {
        sockets.close();
    }

    @Override
    public String protocol() {
        return Endpoint.RESPONSES;
    }

    @Override
    public Multi<EngineEvent> stream(EngineRequest request, Endpoint endpoint) {
        if (Endpoint.WEBSOCKET.equals(endpoint.transport())) {
            return sockets.stream(request, endpoint);
        }
        Buffer body = Buffer.buffer(mapper.map(request, endpoint.modelFor(request.model()),
                request.context().items(), null).toString());
        return post.stream(endpoint, "responses", body, () -> new ResponsesStreamDecoder(json));
    }
}
