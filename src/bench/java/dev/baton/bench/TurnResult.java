package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One turn as the client saw it.
 *
 * @param firstDeltaMs from sending the request to the first output delta (time to first delta)
 * @param totalMs      from sending the request to the terminal event
 * @param bytesSent    the request's bytes on the wire (body or frame)
 * @param response     the terminal event's response object, or {@code null} on error
 * @param error        what went wrong, or {@code null}
 * @param deltas       the delta events received
 */
record TurnResult(double firstDeltaMs, double totalMs, long bytesSent, JsonNode response, String error, int deltas) {

    boolean failed() {
        return error != null;
    }

    static TurnResult failure(long bytesSent, String error) {
        return new TurnResult(Double.NaN, Double.NaN, bytesSent, null, error, 0);
    }
}
