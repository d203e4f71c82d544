package dev.baton.ws;

import dev.baton.protocol.ApiError;
import java.time.Duration;

/** The errors WebSocket mode answers with (PROTOCOL.md Part A), worded once. */
final class SocketRefusals {

    private SocketRefusals() {
    }

    static ApiError unparsable(String detail) {
        return ApiError.invalidRequest(null, "invalid_json", "We could not parse the JSON of your message: " + detail);
    }

    static ApiError notAnObject() {
        return ApiError.invalidRequest(null, "invalid_json", "Each message must be one JSON object.");
    }

    static ApiError missingType() {
        return ApiError.invalidRequest("type", "missing_required_parameter", "Missing required parameter: 'type'.");
    }

    static ApiError unknownType(String type) {
        return ApiError.invalidRequest("type", "unknown_event_type",
                "Unknown event type '" + type + "'. Supported: response.create, response.processed.");
    }

    static ApiError injectNotSupported() {
        return ApiError.invalidRequest("type", "inject_not_supported",
                "response.inject is not supported by this server's engine; send the items with the next response.create.");
    }

    static ApiError binary() {
        return ApiError.invalidRequest(null, "binary_not_supported",
                "Binary frames are not supported; send each event as one JSON text frame.");
    }

    static ApiError background() {
        return ApiError.invalidRequest("background", "unsupported_parameter",
                "Background responses are not supported over WebSocket.");
    }

    static ApiError draining() {
        return new ApiError(503, ApiError.SERVER_ERROR, "server_draining", null,
                "This replica is shutting down; reconnect and continue with previous_response_id.");
    }

    static ApiError framesWaiting(int limit) {
        return new ApiError(429, ApiError.INVALID_REQUEST, "websocket_queue_full", null,
                "Too many messages waiting on this connection (" + limit + ").");
    }

    static ApiError inboundFull(long limitBytes) {
        return new ApiError(429, ApiError.INVALID_REQUEST, "websocket_queue_full", null,
                "This connection holds its maximum of " + limitBytes + " bytes of messages not yet answered"
                        + " (BATON_WS_MAX_INBOUND_BYTES); send it again once answers arrive.");
    }

    static ApiError createsQueued(int limit) {
        return new ApiError(429, ApiError.INVALID_REQUEST, "websocket_queue_full", null,
                "Too many queued response.create events on this connection (" + limit + ").");
    }

    static ApiError streamLimit(int limit) {
        return ApiError.invalidRequest("stream_id", "websocket_stream_limit_reached",
                "This connection already used " + limit + " stream_id values; open a new connection for more.");
    }

    static ApiError connectionLimitReached(Duration maxAge) {
        String age = maxAge.toSeconds() % 60 == 0 ? maxAge.toMinutes() + " minutes" : maxAge.toMillis() + " ms";
        return ApiError.invalidRequest(null, "websocket_connection_limit_reached",
                "Responses websocket connection limit reached (" + age + "). Create a new websocket connection to continue.");
    }
}
