package dev.baton.ws;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.limits.InboundBytes;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A client that writes large creates without reading answers: the replica holds at most its budgets of their bytes
 * (the socket stops reading, so TCP pushes back on the client), stays healthy for everyone else, and gives every byte
 * back when the socket closes.
 */
@QuarkusTest
@TestProfile(InboundBudgetTest.SlowPrefill.class)
class InboundBudgetTest {

    /** Prefill of ~5 s per 1 MiB create (each is a new chain, uncached): the creates wait while the client writes. */
    public static class SlowPrefill implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.simulator.prefill-us-per-token", "20");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FRAMES = 64;
    private static final long MIB = 1 << 20;

    @TestHTTPResource("/")
    URL root;

    @Inject
    InboundBytes inbound;

    @Inject
    BatonConfig config;

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void aSocketFloodedWithLargeCreatesStopsBeingReadAndTheReplicaStaysBounded() throws Exception {
        String input = "the quick brown fox jumps over the lazy dog ".repeat((int) (MIB / 44));
        String frame = JSON.writeValueAsString(Map.of("type", "response.create", "model", "baton-simulator",
                "store", false, "max_output_tokens", 8, "input", input));
        long baseline = heapAfterGc();
        try (WsClient flood = WsClient.connectPaused(root)) {
            int written = 0;
            CompletableFuture<WebSocket> stalled = null;
            while (written < FRAMES) {
                CompletableFuture<WebSocket> send = flood.sendAsync(frame);
                try {
                    send.get(3, TimeUnit.SECONDS);
                    written++;
                } catch (TimeoutException e) {
                    stalled = send;
                    break;
                }
            }
            assertTrue(stalled != null, "the socket stopped reading: a write stalled after " + written + " frames of 1 MiB");
            long perConnection = config.ws().maxInboundBytes();
            assertTrue(inbound.held() <= perConnection + 2 * MIB, "held " + inbound.held() + " bytes, budget " + perConnection);
            long grown = heapAfterGc() - baseline;
            assertTrue(grown < 256 * MIB, "the heap grew by " + grown / MIB + " MiB while " + written + " MiB were written");

            // everyone else is served meanwhile, over HTTP and over another socket
            JsonNode plain = JSON.readTree(given().contentType(ContentType.JSON)
                    .body(Map.of("model", "baton-simulator", "input", "still there?")).when().post("/v1/responses")
                    .then().statusCode(200).extract().asString());
            assertEquals("completed", plain.path("status").asText());
            try (WsClient other = WsClient.connect(root)) {
                other.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "and here?"));
                List<JsonNode> frames = other.untilTerminal();
                assertEquals("response.completed", frames.get(frames.size() - 1).path("type").asText());
            }

            // what the flood sent is answered: the first create started; a frame read past the budget was refused with
            // the documented error (it may come first: refusals need no turn)
            flood.resume();
            JsonNode next = flood.next();
            while (next.path("type").asText().equals("error")) {
                assertEquals("websocket_queue_full", next.at("/error/code").asText(), next.toString());
                next = flood.next();
            }
            assertEquals("response.created", next.path("type").asText(), next.toString());
        }
        // a closed socket gives back everything it held
        await().atMost(Duration.ofSeconds(20)).until(() -> inbound.held() == 0);
    }

    /**
     * Bodies count from their headers, before they are buffered: two uploads that declare 16 MiB and send nothing
     * hold the tenant's 32 MiB, so the next request is answered 429 at once; when one goes away, requests pass again.
     */
    @Test
    void declaredBodiesCountAgainstTheTenantsBudgetBeforeTheyArrive() throws Exception {
        long bodyBytes = config.http().maxBodyBytes();
        assertEquals(2 * bodyBytes, config.limits().inboundBytesPerTenant(), "the defaults this test is built on");
        try (Socket first = declaredUpload(bodyBytes); Socket second = declaredUpload(bodyBytes)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> inbound.held() == 2 * bodyBytes);
            String refused = given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "hi"))
                    .when().post("/v1/responses").then().statusCode(429).header("retry-after", "1")
                    .extract().asString();
            assertEquals("rate_limit_exceeded", JSON.readTree(refused).at("/error/code").asText(), refused);
            first.close();
            await().atMost(Duration.ofSeconds(20)).until(() -> given().contentType(ContentType.JSON)
                    .body(Map.of("model", "baton-simulator", "input", "hi")).when().post("/v1/responses").statusCode() == 200);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> inbound.held() == 0);
    }

    /** An HTTP request whose headers declare a body of {@code bytes} and which then sends nothing. */
    private Socket declaredUpload(long bytes) throws Exception {
        Socket socket = new Socket(root.getHost(), root.getPort());
        socket.getOutputStream().write(("POST /v1/responses HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + bytes + "\r\n\r\n{")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }
}
