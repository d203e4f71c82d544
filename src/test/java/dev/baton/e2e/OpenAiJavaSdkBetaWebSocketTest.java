package dev.baton.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.core.JsonValue;
import com.openai.core.http.WebSocketConnection;
import com.openai.core.http.WebSocketWriteNotAttempted;
import com.openai.models.beta.responses.BetaFunctionTool;
import com.openai.models.beta.responses.BetaResponse;
import com.openai.models.beta.responses.BetaResponseInputItem;
import com.openai.models.beta.responses.BetaResponsesClientEvent;
import com.openai.models.beta.responses.BetaResponsesServerEvent;
import com.openai.models.beta.responses.BetaToolChoiceOptions;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The official Java SDK's beta WebSocket mode ({@code client.beta().responses().connectWebSocket()}, openai-java
 * 4.105), pointed at Baton by base URL only: a chained tool loop, named lanes, and an error as a typed event.
 */
@QuarkusTest
class OpenAiJavaSdkBetaWebSocketTest extends SdkClientTest {

    private static final BetaFunctionTool READ_FILE = BetaFunctionTool.builder().name("read_file")
            .description("Reads a file.").strict(false)
            .parameters(BetaFunctionTool.Parameters.builder()
                    .putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty("properties", JsonValue.from(Map.of("path", Map.of("type", "string"))))
                    .putAdditionalProperty("required", JsonValue.from(List.of("path"))).build())
            .build();

    private static BetaResponsesClientEvent.ResponseCreate.Builder create() {
        return BetaResponsesClientEvent.ResponseCreate.builder().model("baton-simulator").store(false);
    }

    /** Server events up to the response's end; the terminal one. */
    private static BetaResponsesServerEvent untilDone(WebSocketConnection<BetaResponsesClientEvent, BetaResponsesServerEvent> socket) {
        while (true) {
            BetaResponsesServerEvent event = socket.receive();
            if (event.isResponseCompleted() || event.isResponseFailed() || event.isResponseIncomplete() || event.isError()) {
                return event;
            }
        }
    }

    /**
     * Sends as the SDK expects its callers to: its {@code send} refuses ({@link WebSocketWriteNotAttempted.Busy}, nothing
     * queued) while an earlier command is still in OkHttp's write queue, so a second command sent right after the
     * first is retried until the first is written.
     */
    private static void sendWhenWritable(WebSocketConnection<BetaResponsesClientEvent, BetaResponsesServerEvent> socket,
            BetaResponsesClientEvent event) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                socket.send(event);
                return;
            } catch (WebSocketWriteNotAttempted.Busy busy) {
                if (System.nanoTime() > deadline) {
                    throw busy;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
    }

    @Test
    void runsAChainedToolLoopOnOneSocket() {
        try (var socket = client.beta().responses().connectWebSocket()) {
            socket.send(BetaResponsesClientEvent.ofResponseCreate(create().addTool(READ_FILE)
                    .toolChoice(BetaToolChoiceOptions.REQUIRED).input("Read the notes " + UUID.randomUUID()).build()));
            BetaResponse first = untilDone(socket).asResponseCompleted().response();
            var call = first.output().get(0).asFunctionCall();
            assertEquals("read_file", call.name());
            assertTrue(call.arguments().contains("\"path\""), call.arguments());

            socket.send(BetaResponsesClientEvent.ofResponseCreate(create().addTool(READ_FILE)
                    .previousResponseId(first.id())
                    .inputOfBetaResponse(List.of(BetaResponseInputItem.ofFunctionCallOutput(
                            BetaResponseInputItem.FunctionCallOutput.builder().callId(call.callId())
                                    .output("line one\nline two").build())))
                    .build()));
            BetaResponse second = untilDone(socket).asResponseCompleted().response();
            assertEquals(first.id(), second.previousResponseId().orElseThrow());
            assertTrue(second.usage().orElseThrow().inputTokensDetails().cachedTokens() > 0,
                    "the chain's prompt was reused: " + second.usage());
        }
    }

    @Test
    void runsNamedLanesSideBySide() {
        try (var socket = client.beta().responses().connectWebSocket()) {
            socket.send(BetaResponsesClientEvent.ofResponseCreate(create().streamId("agent_1").input("one").build()));
            sendWhenWritable(socket, BetaResponsesClientEvent.ofResponseCreate(create().streamId("agent_2").input("two").build()));
            int completed = 0;
            while (completed < 2) {
                BetaResponsesServerEvent event = untilDone(socket);
                assertTrue(event.isResponseCompleted(), event.toString());
                completed++;
            }
        }
    }

    @Test
    void receivesAnErrorAsATypedEventAndTheSocketGoesOn() {
        try (var socket = client.beta().responses().connectWebSocket()) {
            socket.send(BetaResponsesClientEvent.ofResponseCreate(create().previousResponseId("resp_missing")
                    .input("continue").build()));
            BetaResponsesServerEvent error = untilDone(socket);
            assertTrue(error.isError(), error.toString());
            assertEquals("previous_response_not_found", error.asError().error().code().orElseThrow());
            socket.send(BetaResponsesClientEvent.ofResponseCreate(create().input("fresh").build()));
            assertTrue(untilDone(socket).isResponseCompleted());
        }
    }
}
