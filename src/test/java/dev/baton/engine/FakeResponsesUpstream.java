package dev.baton.engine;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Runs a {@link FakeResponsesServer} for a {@code @QuarkusTest} and points {@code BATON_ENGINE=openai-responses}
 * at it; init arg {@code transport} is {@code http} (default) or {@code websocket}.
 */
public class FakeResponsesUpstream implements QuarkusTestResourceLifecycleManager {

    public static volatile FakeResponsesServer server;
    private String transport = "http";

    @Override
    public void init(Map<String, String> initArgs) {
        transport = initArgs.getOrDefault("transport", "http");
    }

    @Override
    public Map<String, String> start() {
        server = new FakeResponsesServer("up-a", "sk-upstream").start(0);
        return Map.of("baton.engine", "openai-responses",
                "baton.upstream.url", server.url(),
                "baton.upstream.api-key", "sk-upstream",
                "baton.upstream.transport", transport,
                "baton.upstream.models", "fake-model",
                "baton.upstream.idle-timeout", "2s");
    }

    @Override
    public void stop() {
        server.stop();
    }
}
