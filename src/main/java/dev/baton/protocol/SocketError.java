package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The WebSocket {@code error} event ({@code ResponseWsError}, PROTOCOL.md B §5.1): always with
 * {@code status}; {@code stream_id} when the error belongs to a named lane; {@code sequence_number}
 * when it comes from inside a response stream.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "status", "stream_id", "sequence_number", "error"})
public record SocketError(int status, String streamId, Integer sequenceNumber, ErrorBody error) {

    public static SocketError of(ApiError error, String streamId) {
        return new SocketError(error.status(), streamId, null, ErrorBody.of(error));
    }

    @JsonProperty("type")
    public String type() {
        return "error";
    }
}
