package dev.baton.engine.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineException;

/** How upstream failures become {@link EngineException}s with OpenAI response error codes. */
public final class UpstreamFailure {

    private UpstreamFailure() {
    }

    /** A failure before the first token that another attempt (maybe elsewhere) may cure: 5xx, 429, a cut connection. */
    public static class Retryable extends EngineException {
        public Retryable(String code, String message) {
            super(code, message);
        }
    }

    /** The endpoint could not be reached (refused, reset, TLS, timeout): it is marked down at once. */
    public static final class Unreachable extends Retryable {
        public Unreachable(Throwable cause) {
            super("server_error", "The upstream engine is unreachable: " + cause.getMessage());
        }
    }

    /** The response error code for a failure the upstream answered with this HTTP status. */
    public static String responseErrorCode(int status) {
        return status == 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_prompt";
    }

    /** An HTTP error answer: the upstream's own message, {@code rate_limit_exceeded}/{@code server_error}/{@code invalid_prompt}. */
    public static EngineException fromHttp(ObjectMapper json, int status, String body) {
        String message = body;
        try {
            JsonNode error = json.readTree(body).path("error");
            if (error.isObject()) {
                message = error.path("message").asText(body);
            } else if (error.isTextual()) {
                message = error.asText();
            }
        } catch (Exception notJson) {
            // keep the raw body
        }
        String code = responseErrorCode(status);
        String text = "The upstream engine answered HTTP " + status + (message.isBlank() ? "" : ": " + message);
        return status == 429 || status >= 500 ? new Retryable(code, text) : new EngineException(code, text);
    }
}
