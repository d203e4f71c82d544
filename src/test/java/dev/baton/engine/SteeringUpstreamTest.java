package dev.baton.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Steering a response an upstream chat-completions engine streams: the engine's HTTP stream is cancelled at the
 * steer (the engine sees its client go), and the successor is a new engine request that carries the steered partial
 * answer and the steering input.
 */
@QuarkusTest
@TestProfile(ChatCompletionsEngineTest.WithFakeUpstream.class)
class SteeringUpstreamTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void aSteerCancelsTheEnginesStreamAndTheSuccessorCarriesThePartialAnswer() {
        int abandoned = FakeChatServer.ABANDONED_STREAMS.get();
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(Map.of("type", "response.create", "model", "fake-model", "input", "[slow] count for me"));
            String target = ws.next().at("/response/id").asText();
            ws.until(frame -> frame.path("type").asText().equals("response.output_text.delta")
                    && frame.path("delta").asText().contains("tick"));
            ws.send(Map.of("type", "response.steer", "previous_response_id", target, "input", "Stop counting."));

            List<JsonNode> frames = ws.until(frame -> frame.path("type").asText().equals("response.created"));
            JsonNode steered = frames.stream().filter(WsClient::terminal).findFirst().orElseThrow();
            assertEquals("steered", steered.at("/response/incomplete_details/reason").asText(), steered.toString());
            String partial = steered.at("/response/output/0/content/0/text").asText();
            assertTrue(partial.startsWith("tick") && partial.split("tick").length < 40, partial);
            await().atMost(Duration.ofSeconds(10)).until(() -> FakeChatServer.ABANDONED_STREAMS.get() > abandoned);

            JsonNode done = ws.untilTerminal().stream().filter(WsClient::terminal).findFirst().orElseThrow();
            assertEquals("response.completed", done.path("type").asText(), done.toString());
            JsonNode sent = FakeChatServer.REQUESTS.get(FakeChatServer.REQUESTS.size() - 1).path("messages");
            JsonNode assistant = sent.get(sent.size() - 2);
            assertEquals("assistant", assistant.path("role").asText(), sent.toString());
            assertEquals(partial, assistant.path("content").asText(), "the engine sees what the client saw");
            assertEquals("Stop counting.", sent.get(sent.size() - 1).path("content").asText());
        }
    }
}
