package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The WebSocket {@code error} event ({@code ResponseWsError}, PROTOCOL.md B §5.1): always with
 * {@code status} and a {@code code}; {@code stream_id} when the error belongs to a named lane; {@code sequence_number}
 * when it comes from inside a response stream.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "status", "stream_id", "sequence_number", "error"})
public record SocketError(int status, String streamId, Integer sequenceNumber, ErrorBody error) {

    public static SocketError of(ApiError error, String streamId) {
        return new SocketError(error.status(), streamId, null,
                new ErrorBody(error.message(), error.type(), error.param(), code(error)));
    }

    /**
     * The OpenResponses {@code WebSocketErrorEvent} requires a string {@code code}; the few errors that have none over
     * HTTP, as OpenAI's (an unknown {@code call_id}, an unknown conversation), are named by their status here.
     */
    static String code(ApiError error) {
        if (error.code() != null) {
            return error.code();
        }
        if (error.status() == 404) {
            return "not_found";
        }
        return error.status() >= 500 ? "server_error" : "invalid_request";
    }

    @JsonProperty("type")
    public String type() {
        return "error";
    }
}
