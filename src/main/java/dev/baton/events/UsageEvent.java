package dev.baton.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One finished response, as a platform team bills and watches it (docs/operations.md, "Usage events"). Times in
 * milliseconds; {@code ttft_ms} is {@code null} when the turn produced no output.
 *
 * @param transport {@code http} (one JSON answer), {@code sse} or {@code websocket}
 * @param endpoint  the engine endpoint that served the turn, or {@code null} (the embedded simulator)
 * @param status    {@code completed}, {@code incomplete}, {@code failed} or {@code cancelled}
 * @param gatewayOverheadUs Baton's own time to the turn's first output event, the engine's time excluded (the
 *                  {@code first_event} stage of {@code baton_gateway_overhead_seconds}), or {@code null} without one
 * @param safety    the turn's safety verdicts ({@code baton_safety} of the response), or {@code null}
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.ALWAYS)
public record UsageEvent(String responseId, String tenant, String model, String transport, String endpoint,
                         long inputTokens, long cachedTokens, long outputTokens, long reasoningTokens, Long ttftMs,
                         Long gatewayOverheadUs,
                         long durationMs, String status, long finishedAt, Object safety) {

    public static final String HTTP = "http";
    public static final String SSE = "sse";
    public static final String WEBSOCKET = "websocket";
}
