package dev.baton.turn;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** With tracing on, a turn is one span with its stages as children, and its trace id is in the response headers. */
@QuarkusTest
@TestProfile(TracingTest.WithTracing.class)
class TracingTest {

    public static class WithTracing implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.bsp.schedule.delay", "50ms",
                    "quarkus.otel.exporter.otlp.traces.endpoint", "http://127.0.0.1:1");
        }
    }

    @Inject
    InMemorySpanExporter spans;

    @Test
    void aTurnIsOneSpanWithItsStagesAsChildren() {
        Response response = given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "trace me", "stream", true))
                .when().post("/v1/responses");
        response.then().statusCode(200);
        String traceId = response.header("x-baton-trace-id");
        assertNotNull(traceId, "the trace id is in the headers");
        await().atMost(Duration.ofSeconds(20)).until(() -> spans.getFinishedSpanItems().stream()
                .anyMatch(s -> s.getTraceId().equals(traceId) && s.getName().equals("baton.turn")));
        List<SpanData> trace = spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
        SpanData turn = trace.stream().filter(s -> s.getName().equals("baton.turn")).findFirst().orElseThrow();
        assertEquals("completed", turn.getAttributes().get(AttributeKey.stringKey("baton.status")));
        assertEquals("sse", turn.getAttributes().get(AttributeKey.stringKey("baton.transport")));
        assertTrue(turn.getAttributes().get(AttributeKey.stringKey("baton.response_id")).startsWith("resp_"));
        Set<String> stages = trace.stream().filter(s -> s.getParentSpanId().equals(turn.getSpanId()))
                .map(SpanData::getName).collect(Collectors.toSet());
        assertEquals(Set.of("baton.state", "baton.safety", "baton.engine.first_token", "baton.stream", "baton.persist"),
                stages);
    }
}
