package dev.baton.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.models.beta.responses.BetaResponse;
import com.openai.models.beta.responses.BetaResponseSteerEvent;
import com.openai.models.beta.responses.BetaResponsesClientEvent;
import com.openai.models.beta.responses.BetaResponsesServerEvent;
import dev.baton.support.SlowSimulator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The official Java SDK's beta WebSocket mode steers a response on Baton: typed events end to end. */
@QuarkusTest
@TestProfile(SlowSimulator.class)
class OpenAiJavaSdkSteeringTest extends SdkClientTest {

    @Test
    void steersAStreamingResponseAndReceivesItsSuccessor() {
        try (var socket = client.beta().responses().connectWebSocket()) {
            socket.send(BetaResponsesClientEvent.ofResponseCreate(BetaResponsesClientEvent.ResponseCreate.builder()
                    .model("baton-simulator").input("A long essay " + UUID.randomUUID()).build()));
            String target = socket.receive().asResponseCreated().response().id();
            BetaResponsesServerEvent event = socket.receive();
            while (!event.isResponseOutputTextDelta()) {
                event = socket.receive();
            }
            socket.send(BetaResponsesClientEvent.ofResponseSteer(BetaResponseSteerEvent.builder()
                    .previousResponseId(target).input("Keep it short.").build()));

            while (!event.isResponseSteerAccepted()) {
                event = socket.receive();
            }
            assertEquals(target, event.asResponseSteerAccepted().steer().previousResponseId());
            assertTrue(event.asResponseSteerAccepted().steer().id().startsWith("steer_"));
            while (!event.isResponseIncomplete()) {
                event = socket.receive();
            }
            BetaResponse steered = event.asResponseIncomplete().response();
            assertEquals("steered", steered.incompleteDetails().orElseThrow().reason().orElseThrow().asString());

            BetaResponse successor = socket.receive().asResponseCreated().response();
            assertEquals(target, successor.previousResponseId().orElseThrow());
            while (!event.isResponseCompleted()) {
                event = socket.receive();
            }
            assertEquals(successor.id(), event.asResponseCompleted().response().id());
        }
    }
}
