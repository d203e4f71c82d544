package dev.baton.protocol;

/**
 * One failure as the OpenAI API reports it: the HTTP status it maps to and the fields of the
 * {@code error} object. The same value becomes the HTTP envelope, the SSE {@code error} event and
 * the WebSocket {@code ResponseWsError}.
 */
public record ApiError(int status, String type, String code, String param, String message) {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String SERVER_ERROR = "server_error";

    /** The code of an input a safety classifier refused (docs/safety.md). */
    public static final String INPUT_BLOCKED = "input_blocked";

    /** A turn's input refused by a safety classifier before anything ran: nothing stored, nothing to evict. */
    public static ApiError inputBlocked(String message) {
        return new ApiError(400, INVALID_REQUEST, INPUT_BLOCKED, "input", message);
    }

    public static ApiError invalidRequest(String param, String code, String message) {
        return new ApiError(400, INVALID_REQUEST, code, param, message);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, INVALID_REQUEST, null, null, message);
    }

    public static ApiError responseNotFound(String id) {
        return notFound("Response with id '" + id + "' not found.");
    }

    public static ApiError previousResponseNotFound(String id) {
        return invalidRequest("previous_response_id", "previous_response_not_found",
                "Previous response with id '" + id + "' not found.");
    }

    public static ApiError invalidApiKey() {
        return new ApiError(401, INVALID_REQUEST, "invalid_api_key", null,
                "Incorrect API key provided. Pass a key configured in BATON_API_KEYS as 'Authorization: Bearer <key>'.");
    }

    /** An overload refusal: 429 {@code rate_limit_exceeded}, as OpenAI answers a client beyond its limits. */
    public static ApiError rateLimited(String message) {
        return new ApiError(429, "requests", "rate_limit_exceeded", null, message);
    }

    public static ApiError internal(String requestId) {
        return new ApiError(500, SERVER_ERROR, "server_error", null,
                "The server had an error while processing your request. Request id: " + requestId + ".");
    }

    public ApiException exception() {
        return new ApiException(this);
    }
}
