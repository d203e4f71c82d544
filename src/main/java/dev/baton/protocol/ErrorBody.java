package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** The {@code error} object of every error shape: {@code {message, type, param, code}}. */
@RegisterForReflection
@JsonPropertyOrder({"message", "type", "param", "code"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ErrorBody(String message, String type, String param, String code) {

    public static ErrorBody of(ApiError error) {
        return new ErrorBody(error.message(), error.type(), error.param(), error.code());
    }

    /** The HTTP error envelope {@code {"error": {...}}}. */
    @RegisterForReflection
    public record Envelope(ErrorBody error) {
        public static Envelope of(ApiError error) {
            return new Envelope(ErrorBody.of(error));
        }
    }
}
