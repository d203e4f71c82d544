package dev.baton.e2e;

import dev.baton.support.NodeScripts;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Node SDK ({@code openai@7.57.0}, {@code ResponsesWS}) against Baton's WebSocket
 * mode: runs {@code src/test/node/responses-ws.mjs} ({@link NodeScripts}).
 */
@QuarkusTest
class OpenAiNodeSdkWebSocketTest {

    @TestHTTPResource("/v1")
    URL baseUrl;

    @Test
    void theNodeSdkChainsRunsLanesAndReadsErrors() throws Exception {
        NodeScripts.runPassing("responses-ws.mjs", "node-sdk: all checks passed", baseUrl.toString());
    }
}
