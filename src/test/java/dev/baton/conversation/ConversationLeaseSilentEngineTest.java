package dev.baton.conversation;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.support.WithRedis;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A conversation turn whose lease is taken while its engine says nothing yet is stopped the moment a renewal finds the
 * lease gone (every third of the 1 s lease), not when the engine's first token comes 20 s later: a lease, once lost,
 * stops its holder.
 */
@QuarkusTest
@TestProfile(ConversationLeaseSilentEngineTest.SilentEngine.class)
class ConversationLeaseSilentEngineTest {

    public static class SilentEngine extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.conversations.turn-lease", "1s", "baton.simulator.ttft-ms", "20000");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Inject
    RedisDataSource redis;

    @Test
    void aTurnIsStoppedWhenItsLeaseIsLostEvenWhileTheEngineIsSilent() throws Exception {
        String id = given().contentType(ContentType.JSON).body(Map.of()).when().post("/v1/conversations")
                .then().statusCode(200).extract().path("id");
        HttpResponse<InputStream> turn = ConversationLeaseTest.streamTurn(root, id);
        List<String> events = new ArrayList<>();
        long takenAt;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(turn.body(), StandardCharsets.UTF_8))) {
            assertEquals("event: response.created", lines.readLine());
            redis.value(String.class).set(WithRedis.conversationKey("default", id) + ":lease", "another-turn",
                    new SetArgs().px(60_000));
            takenAt = System.nanoTime();
            assertEquals("conversation_busy", ConversationLeaseTest.readEvents(lines, events).path("code").asText());
        }
        long stoppedAfterMs = (System.nanoTime() - takenAt) / 1_000_000;
        assertEquals("error", events.get(events.size() - 1), events.toString());
        assertTrue(!events.contains("response.output_text.delta"), events.toString());
        // the engine's first token is 20 s away; renewals run every ~333 ms
        assertTrue(stoppedAfterMs < 10_000, "stopped " + stoppedAfterMs + " ms after the lease was taken");
    }
}
