package dev.baton.ws;

import static dev.baton.ws.WebSocketModeTest.create;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.Metrics;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A reader that stops reading: the server's outbound queue stays bounded and nothing is dropped. */
@QuarkusTest
@TestProfile(WebSocketBackpressureTest.SmallQueue.class)
public class WebSocketBackpressureTest {

    static final int QUEUE = 16_384;

    public static class SmallQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // ~120k tokens of reply: tens of MB of frames, more than the kernel's socket buffers hold
            return Map.of("baton.ws.outbound-queue-bytes", Integer.toString(QUEUE),
                    "baton.ws.send-deadline", "4s",
                    "baton.simulator.reply-words", "100000");
        }
    }

    @TestHTTPResource("/")
    URL root;

    private static double slowConsumerCloses(String reason) {
        return Metrics.sum(given().when().get("/q/metrics").then().statusCode(200).extract().asString(),
                "baton_ws_slow_consumer_closes_total", "reason=\"" + reason + "\"");
    }

    private static double gauge(String name) {
        double value = Metrics.value(given().when().get("/q/metrics").then().statusCode(200).extract().asString(), name);
        if (value < 0) {
            throw new AssertionError("no metric " + name);
        }
        return value;
    }

    @Test
    void aSlowReaderPausesTheEngineAndLosesNothing() {
        try (WsClient ws = WsClient.connectPaused(root)) {
            ws.send(create("model", "baton-simulator", "input", "a very long answer"));
            // the queue fills up to its bound and the turn stays in flight: the engine is paused, not buffered
            await().atMost(Duration.ofSeconds(20)).until(() -> gauge("baton_ws_outbound_pending_bytes") >= QUEUE);
            // past the bound, at most the events already asked for (a batch of small deltas) are written
            double pending = gauge("baton_ws_outbound_pending_bytes");
            assertTrue(pending <= QUEUE + TurnRelay.DEMAND * 512, "unread bytes stay bounded: " + pending);
            assertEquals(1, gauge("baton_ws_in_flight_responses"), 0.0);

            ws.resume();
            List<JsonNode> frames = ws.untilTerminal();
            for (int i = 0; i < frames.size(); i++) {
                assertEquals(i, frames.get(i).get("sequence_number").asInt(), "no event missing or reordered");
            }
            JsonNode completed = frames.get(frames.size() - 1);
            assertEquals("response.completed", completed.get("type").asText());
            StringBuilder text = new StringBuilder();
            frames.stream().filter(f -> f.get("type").asText().equals("response.output_text.delta"))
                    .forEach(f -> text.append(f.get("delta").asText()));
            assertEquals(completed.at("/response/output/0/content/0/text").asText(), text.toString());
            assertTrue(completed.at("/response/usage/output_tokens").asInt() > 100_000);
        }
    }

    @Test
    void aReaderThatStopsReadingIsDisconnectedAfterTheSendDeadline() {
        double closedBefore = slowConsumerCloses("send_deadline");
        try (WsClient ws = WsClient.connectPaused(root)) {
            ws.send(create("model", "baton-simulator", "input", "a very long answer, never read"));
            // server side: the connection is dropped, its turn cancelled, its queue released
            await().atMost(Duration.ofSeconds(20)).until(() -> slowConsumerCloses("send_deadline") > closedBefore);
            await().atMost(Duration.ofSeconds(10)).until(() -> gauge("baton_ws_in_flight_responses") == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> gauge("baton_ws_outbound_pending_bytes") == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> gauge("baton_ws_connections") == 0);
            // client side: once it reads again it finds the end of the stream, never a completed response
            ws.resume();
            List<JsonNode> frames = new java.util.ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                while (ws.queued() > 0) {
                    frames.add(ws.next());
                }
                return ws.isClosed();
            });
            assertTrue(frames.stream().noneMatch(f -> f.get("type").asText().equals("response.completed")));
        }
    }

    @Test
    void aClientThatSendsWhileReadingNothingIsDisconnectedOnceItsAnswersOverflow() {
        // each frame is answered with an error quoting its 8 KB type: megabytes of answers nobody reads
        disconnectedOnceAnswersOverflow("{\"type\":\"" + "x".repeat(8_000) + "\"}");
    }

    @Test
    void aClientThatSteersWhileReadingNothingIsDisconnectedOnceItsRefusalsOverflow() {
        // each steer is refused with response.steer.failed, which returns its 8 KB input
        disconnectedOnceAnswersOverflow("{\"type\":\"response.steer\",\"previous_response_id\":\"resp_none\","
                + "\"input\":\"" + "x".repeat(8_000) + "\"}");
    }

    private void disconnectedOnceAnswersOverflow(String frame) {
        double before = slowConsumerCloses("overflow");
        try (WsClient ws = WsClient.connectPaused(root)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                try {
                    for (int i = 0; i < 50 && !ws.isClosed(); i++) {
                        ws.send(frame);
                    }
                } catch (RuntimeException closed) {
                    // the server dropped the connection while this frame went out
                }
                return slowConsumerCloses("overflow") > before;
            });
            // closed at once, well before the send deadline would have: its queue and slot are released
            await().atMost(Duration.ofSeconds(10)).until(() -> gauge("baton_ws_connections") == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> gauge("baton_ws_outbound_pending_bytes") == 0);
        }
    }
}
