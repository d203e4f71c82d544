package dev.baton.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.SteerRequest;
import java.util.List;

/**
 * The steering events a connection sends itself (PROTOCOL.md Part A §2.2), outside a response's own events:
 * {@code response.steer.failed}, {@code response.steer.pending}, and {@code response.steer.accepted} for a steer that
 * arrived once its response could no longer stop (numbered after that response's terminal event).
 */
final class SteerFrames {

    private final ObjectMapper json;

    SteerFrames(ObjectMapper json) {
        this.json = json;
    }

    String accepted(int sequenceNumber, SteerRequest steer, String streamId) {
        ObjectNode frame = frame("response.steer.accepted", sequenceNumber, streamId);
        steerOf(frame, steer);
        return frame.toString();
    }

    /**
     * {@code response.steer.pending}: the response stopped for client tool output; the steer waits for the
     * {@code response.create} that brings it.
     */
    String pending(int sequenceNumber, SteerRequest steer, List<FunctionCallItem> required, String streamId) {
        ObjectNode frame = frame("response.steer.pending", sequenceNumber, streamId);
        steerOf(frame, steer);
        frame.put("reason", "waiting_for_required_input");
        ArrayNode stubs = frame.putArray("required_input");
        for (FunctionCallItem call : required) {
            stubs.addObject().put("type", "function_call_output").put("call_id", call.callId()).put("name", call.name());
        }
        return frame.toString();
    }

    /** {@code response.steer.failed}, returning the input as sent ({@code steer.id} only once one was given). */
    String failed(int sequenceNumber, String steerId, String previousResponseId, JsonNode input, String code,
                  String message, String streamId) {
        ObjectNode frame = frame("response.steer.failed", sequenceNumber, streamId);
        ObjectNode steer = frame.putObject("steer");
        if (steerId != null) {
            steer.put("id", steerId);
        }
        steer.put("previous_response_id", previousResponseId);
        steer.set("input", input);
        ObjectNode error = frame.putObject("error");
        error.put("type", ApiError.INVALID_REQUEST);
        error.put("code", code);
        error.put("message", message);
        return frame.toString();
    }

    String failed(int sequenceNumber, SteerRequest steer, String code, String message, String streamId) {
        return failed(sequenceNumber, steer.id(), steer.previousResponseId(), steer.sent(), code, message, streamId);
    }

    private ObjectNode frame(String type, int sequenceNumber, String streamId) {
        ObjectNode frame = json.createObjectNode();
        if (streamId != null) {
            frame.put("stream_id", streamId); // first, as on the lane's other frames
        }
        frame.put("type", type);
        frame.put("sequence_number", sequenceNumber);
        return frame;
    }

    private static void steerOf(ObjectNode frame, SteerRequest steer) {
        frame.putObject("steer").put("id", steer.id()).put("previous_response_id", steer.previousResponseId());
    }
}
