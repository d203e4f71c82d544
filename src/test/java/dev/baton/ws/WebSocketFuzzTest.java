package dev.baton.ws;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.ControlChain;
import dev.baton.support.Fuzz;
import dev.baton.support.ServerWarnings;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import dev.baton.support.WithRedis;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzzer over WebSocket ({@link Fuzz}): one frame at a time and pipelined (frames arriving in the middle of
 * other responses' streams). Every frame gets exactly one answer — one response up to its terminal event, or one
 * {@code error} — the socket stays usable, and a control chain made before is continued afterwards with the same
 * context fingerprint. {@code -Dfuzz.inputs=N} for the long run (docs/reliability.md).
 */
@QuarkusTest
@TestProfile(WithRedis.class) // the control chain is durable: a long run may evict it from the hot cache, never corrupt it
class WebSocketFuzzTest {

    private static final int PIPELINE_DEPTH = 32;

    @TestHTTPResource("/")
    URL root;

    private ControlChain control;

    @BeforeEach
    void controlChain() {
        ServerWarnings.watch();
        control = ControlChain.start();
    }

    @AfterEach
    void controlChainUnchangedAndProcessHealthy() {
        control.assertUnchangedAndHealthy();
    }

    @Test
    void everyFrameGetsExactlyOneAnswer() {
        Fuzz fuzz = new Fuzz(Fuzz.seed(), true);
        int frames = Fuzz.inputs(3_000);
        Map<String, Integer> kinds = new TreeMap<>();
        List<String> completedIds = new ArrayList<>();
        try (WsClient ws = WsClient.connect(root)) {
            for (int i = 0; i < frames; i++) {
                Fuzz.Input frame = fuzz.next(previous(completedIds, i));
                kinds.merge(frame.kind(), 1, Integer::sum);
                send(ws, frame);
                JsonNode answer = answerOf(ws, frame, i);
                if (answer.path("type").asText().equals("response.completed")) {
                    completedIds.add(answer.at("/response/id").asText());
                }
            }
            assertNothingStray(ws);
        }
        System.out.printf("websocket fuzz (seed %d): %d frames one at a time, %s%n", Fuzz.seed(), frames, kinds);
    }

    @Test
    void pipelinedFramesEachGetExactlyOneAnswer() {
        Fuzz fuzz = new Fuzz(Fuzz.seed() + 1, true);
        int frames = Fuzz.inputs(3_000);
        int answers = 0;
        List<String> completedIds = new ArrayList<>();
        try (WsClient ws = WsClient.connect(root)) {
            for (int sent = 0; sent < frames; ) {
                int batch = Math.min(PIPELINE_DEPTH, frames - sent);
                for (int b = 0; b < batch; b++) {
                    send(ws, fuzz.next(previous(completedIds, sent + b)));
                }
                sent += batch;
                for (int b = 0; b < batch; b++) { // answers of a batch may interleave: count the terminal ones
                    JsonNode frame = ws.next();
                    while (!WsClient.terminal(frame) && !frame.path("type").asText().equals("response.steer.failed")) {
                        frame = ws.next();
                    }
                    answers++;
                    if (frame.path("type").asText().equals("response.completed")) {
                        completedIds.add(frame.at("/response/id").asText());
                    } else if (!frame.has("response")) {
                        assertEnvelope(frame);
                    }
                }
            }
            assertNothingStray(ws);
        }
        assertEquals(frames, answers);
        System.out.printf("websocket fuzz (seed %d): %d frames pipelined %d deep, %d completed%n", Fuzz.seed() + 1,
                frames, PIPELINE_DEPTH, completedIds.size());
    }

    private static String previous(List<String> completedIds, int index) {
        return completedIds.isEmpty() ? "resp_none" : completedIds.get(index % completedIds.size());
    }

    private static void send(WsClient ws, Fuzz.Input frame) {
        if (frame.binary()) {
            ws.sendBinary(frame.bytes());
        } else {
            ws.send(frame.text());
        }
    }

    /** Nothing stray is left behind: the next create's first frame is its own response.created. */
    private static void assertNothingStray(WsClient ws) {
        ws.send("{\"type\":\"response.create\",\"model\":\"baton-simulator\",\"input\":\"last\",\"metadata\":{\"m\":\"end\"}}");
        JsonNode created = ws.next();
        assertEquals("response.created", created.path("type").asText(), created.toString());
        assertEquals("end", created.at("/response/metadata/m").asText());
        ws.untilTerminal();
    }

    private static void assertEnvelope(JsonNode error) {
        if (error.path("type").asText().equals("error")) { // response.steer.failed carries no status
            assertTrue(error.path("status").asInt() >= 400 && error.path("status").asInt() < 500, "not a client error: " + error
                    + ServerWarnings.recent());
        }
        assertTrue(error.at("/error/message").asText().length() > 5, error.toString());
        assertTrue(error.at("/error/type").asText().length() > 3, error.toString());
        assertTrue(error.path("error").has("code"), error.toString());
    }

    /** Reads one frame's answer: the frames of one response up to its terminal event, or one error. */
    private static JsonNode answerOf(WsClient ws, Fuzz.Input frame, int index) {
        JsonNode first;
        try {
            first = ws.next();
        } catch (AssertionError noAnswer) {
            throw new AssertionError("frame " + index + " (" + frame.kind() + ", seed " + Fuzz.seed() + ") got no answer: "
                    + frame.shortened(), noAnswer);
        }
        String type = first.path("type").asText();
        if (type.equals("error") || type.equals("response.steer.failed")) {
            if (frame.expectedCode() != null) {
                assertEquals(frame.expectedCode(), first.at("/error/code").asText(),
                        "frame " + index + " (" + frame.kind() + "): " + first);
            }
            assertEnvelope(first);
            return first;
        }
        if (!type.equals("response.created")) {
            fail("frame " + index + " (" + frame.kind() + ") was answered by " + first);
        }
        String id = first.at("/response/id").asText();
        JsonNode last = first;
        while (!WsClient.terminal(last)) {
            last = ws.next();
        }
        if (last.path("type").asText().equals("error")) {
            fail("frame " + index + " (" + frame.kind() + ") got an error inside its response stream: " + last);
        }
        assertEquals(id, last.at("/response/id").asText(), "frame " + index + ": one response per create");
        return last;
    }
}
