package dev.baton.ws;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** One tenant cannot hold every socket of a replica: beyond its limit an upgrade is a JSON 429 before any 101. */
@QuarkusTest
@TestProfile(SocketLimitsTest.TwoSocketsPerTenant.class)
class SocketLimitsTest {

    public static class TwoSocketsPerTenant implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.api-keys", "sk-alpha=alpha,sk-beta=beta", "baton.ws.max-sockets-per-tenant", "2");
        }
    }

    @TestHTTPResource("/")
    URL root;

    private HttpResponse<?> refusedUpgrade(String key) {
        URI uri = URI.create(root.toString().replaceFirst("^http", "ws") + "v1/responses");
        CompletionException failure = assertThrows(CompletionException.class, () -> HttpClient.newHttpClient()
                .newWebSocketBuilder().header("Authorization", "Bearer " + key)
                .buildAsync(uri, new WebSocket.Listener() { }).join());
        return ((WebSocketHandshakeException) failure.getCause()).getResponse();
    }

    private WsClient open(String key) {
        return WsClient.connect(root, Map.of("Authorization", "Bearer " + key));
    }

    @Test
    void aTenantBeyondItsSocketsIsRefusedWithA429AndOthersAreNot() {
        try (WsClient first = open("sk-alpha"); WsClient second = open("sk-alpha")) {
            HttpResponse<?> refused = refusedUpgrade("sk-alpha");
            assertEquals(429, refused.statusCode());
            assertEquals("5", refused.headers().firstValue("retry-after").orElse(null));
            String body = String.valueOf(refused.body());
            assertTrue(body.contains("rate_limit_exceeded") && body.contains("BATON_WS_MAX_SOCKETS_PER_TENANT"), body);
            try (WsClient other = open("sk-beta")) {
                other.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "hi"));
                var frames = other.untilTerminal();
                assertEquals("response.completed", frames.get(frames.size() - 1).path("type").asText());
            }
        }
        // the sockets are closed: alpha may open again
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (WsClient again = open("sk-alpha")) {
                return true;
            } catch (RuntimeException refused) {
                return false;
            }
        });
    }
}
