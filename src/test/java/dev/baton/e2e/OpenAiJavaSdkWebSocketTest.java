package dev.baton.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.core.http.ResponseConnection;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponsesClientEvent;
import com.openai.models.responses.ResponsesServerEvent;
import io.quarkus.test.junit.QuarkusTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The WebSocket connection of the official OpenAI Java SDK, pointed at Baton by base URL only. */
@QuarkusTest
class OpenAiJavaSdkWebSocketTest extends SdkClientTest {

    private static ResponsesClientEvent create(String input, String previous, String streamId) {
        var builder = ResponsesClientEvent.ResponseCreate.builder().model("baton-simulator").input(input).store(false);
        if (previous != null) {
            builder.previousResponseId(previous);
        }
        if (streamId != null) {
            builder.streamId(streamId);
        }
        return ResponsesClientEvent.ofResponseCreate(builder.build());
    }

    private static String text(Response response) {
        return response.output().get(0).asMessage().content().get(0).asOutputText().text();
    }

    @Test
    void chainsStoreFalseTurnsOnOneSocket() {
        try (ResponseConnection connection = client.responses().connect()) {
            connection.send(create("Hello over the SDK socket " + UUID.randomUUID(), null, null));
            Response first = connection.finalResponse();
            assertTrue(text(first).startsWith("Simulated reply #1"), text(first));

            connection.send(create("And the next turn", first.id(), null));
            Response second = connection.finalResponse();
            assertEquals(first.id(), second.previousResponseId().orElseThrow());
            assertTrue(text(second).startsWith("Simulated reply #2"), text(second));
            assertTrue(second.usage().orElseThrow().inputTokensDetails().cachedTokens() > 0);
        }
    }

    @Test
    void runsANamedLane() {
        try (ResponseConnection connection = client.responses().connect();
             ResponseConnection.Lane lane = connection.lane("agent_1")) {
            lane.send(create("On a lane", null, "agent_1"));
            Response response = lane.finalResponse();
            assertEquals("completed", response.status().orElseThrow().asString());
        }
    }

    @Test
    void receivesErrorsAsTypedEvents() {
        try (ResponseConnection connection = client.responses().connect()) {
            connection.send(create("x", "resp_gone", null));
            ResponsesServerEvent event = connection.receive();
            assertTrue(event.isError(), event.toString());
            assertEquals("previous_response_not_found", event.asError().error().code().orElseThrow());
            assertEquals(400L, event.asError().status().orElseThrow());
        }
    }
}
