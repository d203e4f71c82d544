package dev.baton.e2e;

import dev.baton.support.NodeScripts;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI Agents SDK for JavaScript ({@code @openai/agents@0.20.0}) against Baton, unchanged but for the base URL:
 * an agent's tool loop over HTTP and over the WebSocket transport, its memory in a Conversations API session and in a
 * compaction session, runs chained by {@code previous_response_id} — {@code src/test/node/agents-sdk.mjs}.
 */
@QuarkusTest
class OpenAiAgentsSdkTest {

    @TestHTTPResource("/v1")
    URL baseUrl;

    @Test
    void anAgentRunsItsToolLoopWithConversationAndCompactionSessions() throws Exception {
        NodeScripts.runPassing("agents-sdk.mjs", "agents-sdk: all checks passed", baseUrl.toString());
    }
}
