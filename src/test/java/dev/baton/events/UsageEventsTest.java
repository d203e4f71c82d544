package dev.baton.events;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import dev.baton.support.Metrics;
import dev.baton.support.RabbitMqServer;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Usage events to a real RabbitMQ broker of the test's own: every finished response of an HTTP, SSE and WebSocket
 * turn arrives once on the topic exchange {@code baton.usage}, routed by tenant, with the token counts of the
 * response; with the broker gone, turns go on unaffected while the buffer stays within its bound; and when it comes
 * back, events flow again without a restart.
 */
@QuarkusTest
@TestProfile(UsageEventsTest.ToRabbitMq.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UsageEventsTest {

    public static class ToRabbitMq implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.usage.sink", "rabbitmq", "baton.usage.buffer", "5",
                    "mp.messaging.outgoing.usage.max-inflight-messages", "4",
                    "mp.messaging.outgoing.usage.reconnect-interval", "1");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RabbitMqServer.class));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URL root;

    @Test
    @Order(1)
    void everyFinishedResponseArrivesOnceWithItsCounts() throws Exception {
        Map<String, JsonNode> events = new ConcurrentHashMap<>();
        Map<String, String> routingKeys = new ConcurrentHashMap<>();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(RabbitMqServer.current().port());
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            channel.exchangeDeclare("baton.usage", "topic", true);
            String queue = channel.queueDeclare().getQueue();
            channel.queueBind(queue, "baton.usage", "#");
            DeliverCallback deliver = (tag, delivery) -> {
                JsonNode event = JSON.readTree(new String(delivery.getBody(), StandardCharsets.UTF_8));
                JsonNode earlier = events.putIfAbsent(event.path("response_id").asText(), event);
                assertEquals(null, earlier, "one event per response");
                routingKeys.put(event.path("response_id").asText(), delivery.getEnvelope().getRoutingKey());
            };
            channel.basicConsume(queue, true, deliver, tag -> { });

            String nonce = UUID.randomUUID().toString();
            JsonNode json = JSON.readTree(given().contentType(ContentType.JSON)
                    .body(Map.of("model", "baton-simulator", "input", "plain " + nonce)).when().post("/v1/responses")
                    .then().statusCode(200).extract().asString());
            String sse = given().contentType(ContentType.JSON)
                    .body(Map.of("model", "baton-simulator", "input", "streamed " + nonce, "stream", true))
                    .when().post("/v1/responses").then().statusCode(200).extract().asString();
            JsonNode streamed = null;
            for (String line : sse.split("\n")) {
                if (line.startsWith("data: ") && line.contains("\"response.completed\"")) {
                    streamed = JSON.readTree(line.substring(6)).path("response");
                }
            }
            JsonNode socket;
            try (WsClient ws = WsClient.connect(root)) {
                ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "socket " + nonce));
                List<JsonNode> frames = ws.untilTerminal();
                socket = frames.get(frames.size() - 1).path("response");
            }
            Map<JsonNode, String> transports = Map.of(json, "http", streamed, "sse", socket, "websocket");
            await().atMost(DEADLINE).until(() -> transports.keySet().stream()
                    .allMatch(r -> events.containsKey(r.path("id").asText())));
            for (Map.Entry<JsonNode, String> expected : transports.entrySet()) {
                JsonNode response = expected.getKey();
                JsonNode event = events.get(response.path("id").asText());
                assertEquals(expected.getValue(), event.path("transport").asText());
                assertEquals("completed", event.path("status").asText());
                assertEquals("default", event.path("tenant").asText());
                assertEquals("default", routingKeys.get(response.path("id").asText()), "routed by tenant");
                assertEquals("baton-simulator", event.path("model").asText());
                assertEquals(response.at("/usage/input_tokens").asLong(), event.path("input_tokens").asLong());
                assertEquals(response.at("/usage/input_tokens_details/cached_tokens").asLong(),
                        event.path("cached_tokens").asLong());
                assertEquals(response.at("/usage/output_tokens").asLong(), event.path("output_tokens").asLong());
                assertTrue(event.path("duration_ms").asLong() >= event.path("ttft_ms").asLong());
            }
        }
    }

    @Test
    @Order(2)
    void withTheBrokerGoneTurnsGoOnAndTheBufferStaysBounded() {
        double droppedBefore = Metrics.sum(metrics(), "baton_usage_events_total", "result=\"dropped\"");
        RabbitMqServer.current().kill();
        for (int i = 0; i < 20; i++) {
            given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "while away " + i))
                    .when().post("/v1/responses").then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("completed"));
            assertTrue(Metrics.value(metrics(), "baton_usage_events_buffered") <= 5, "bounded by BATON_USAGE_BUFFER");
        }
        // at most 4 wait in the connector (max-inflight-messages) and 5 in the buffer: the rest are dropped, counted
        double dropped = Metrics.sum(metrics(), "baton_usage_events_total", "result=\"dropped\"") - droppedBefore;
        assertTrue(dropped >= 20 - 4 - 5, "dropped and counted: " + dropped);

        // the broker comes back: the connector reconnects by itself and events flow again
        double sentBefore = Metrics.sum(metrics(), "baton_usage_events_total", "result=\"sent\"");
        RabbitMqServer.current().restart();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "back again"))
                    .when().post("/v1/responses").then().statusCode(200);
            return Metrics.sum(metrics(), "baton_usage_events_total", "result=\"sent\"") > sentBefore;
        });
    }

    private static String metrics() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

}
