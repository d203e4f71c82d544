package dev.baton.engine.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointsFileTest {

    @TempDir
    Path dir;

    private List<Endpoint> load(String text) throws Exception {
        Path file = dir.resolve("upstreams.yaml");
        Files.writeString(file, text);
        return EndpointsFile.load(file, "models", Map.of("VLLM_KEY", "sk-from-env")::get);
    }

    private String error(String text) {
        return assertThrows(IllegalStateException.class, () -> load(text)).getMessage();
    }

    @Test
    void readsYamlWithEveryField() throws Exception {
        List<Endpoint> endpoints = load("""
                endpoints:
                  - name: vllm-0
                    url: http://vllm-0:8000/v1
                    api_key_env: VLLM_KEY
                    headers: {X-Team: agents}
                    models: [Qwen/Qwen3-8B, Qwen/Qwen3-32B]
                    upstream_model: Qwen/Qwen3-8B
                    health_path: ../health
                  - url: https://api.openai.com/v1
                    protocol: openai-responses
                    transport: websocket
                    api_key: sk-direct
                """);
        Endpoint vllm = endpoints.get(0);
        assertEquals("vllm-0", vllm.name());
        assertEquals(Endpoint.CHAT, vllm.protocol());
        assertEquals(Endpoint.HTTP, vllm.transport());
        assertEquals("http://vllm-0:8000/v1/chat/completions", vllm.resolve("chat/completions").toString());
        assertEquals("http://vllm-0:8000/health", vllm.resolve(vllm.healthPath()).toString());
        assertEquals("Bearer sk-from-env", vllm.headers().get("authorization"));
        assertEquals("agents", vllm.headers().get("x-team"));
        assertTrue(vllm.serves("Qwen/Qwen3-32B"));
        assertEquals("Qwen/Qwen3-8B", vllm.modelFor("Qwen/Qwen3-32B"));
        Endpoint openai = endpoints.get(1);
        assertEquals("api.openai.com:443", openai.name());
        assertEquals(Endpoint.WEBSOCKET, openai.transport());
        assertEquals("Bearer sk-direct", openai.headers().get("authorization"));
        assertTrue(openai.serves("anything"));
        assertNull(openai.upstreamModel());
        assertEquals("models", openai.healthPath());
    }

    @Test
    void readsJson() throws Exception {
        assertEquals("a", load("{\"endpoints\":[{\"name\":\"a\",\"url\":\"http://a:1/v1\"}]}").get(0).name());
    }

    @Test
    void mistakesStopTheStartWithTheirPlace() {
        assertTrue(error("endpoints: []").contains("non-empty 'endpoints'"));
        assertTrue(error("endpoints:\n  - name: a\n").contains("endpoints[0] (name: a) needs a 'url'"));
        assertTrue(error("endpoints:\n  - url: ftp://x\n").contains("must be http"));
        assertTrue(error("endpoints:\n  - url: http://x\n    protocol: grpc\n").contains("endpoints[0] field protocol"));
        assertTrue(error("endpoints:\n  - url: http://x\n    transport: websocket\n").contains("websocket with openai-responses"));
        assertTrue(error("endpoints:\n  - url: http://x\n    api_key_env: NOPE\n").contains("NOPE, which is not set"));
        assertTrue(error("endpoints:\n  - {name: a, url: 'http://x'}\n  - {name: a, url: 'http://y'}\n").contains("twice"));
        assertTrue(error("endpoints: [").contains("cannot be read"));
    }
}
