package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import dev.baton.engine.upstream.UpstreamFailure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes an upstream Responses event stream (the events of PROTOCOL.md §3, as SSE {@code data:}
 * lines or as WebSocket frames) into engine events. Message, function-call and reasoning items are
 * relayed with their deltas; items of other types (hosted tool calls) have no engine form and are
 * skipped. An item whose deltas never came is completed from its {@code output_item.done}.
 * {@code response.completed|incomplete} end the turn with the upstream's usage;
 * {@code response.failed} and {@code error} fail it with the upstream's code and message.
 * Not thread-safe: one instance per upstream response.
 */
final class ResponsesStreamDecoder implements StreamDecoder {

    private final ObjectMapper json;
    private final SseData sse = new SseData();
    private String openType;
    private int openIndex = -1;
    private final StringBuilder openText = new StringBuilder();
    private String upstreamResponseId;
    private boolean finished;

    ResponsesStreamDecoder(ObjectMapper json) {
        this.json = json;
    }

    /** The upstream's id of the response being decoded, once {@code response.created} arrived. */
    String upstreamResponseId() {
        return upstreamResponseId;
    }

    boolean finished() {
        return finished;
    }

    @Override
    public List<EngineEvent> feed(byte[] bytes) {
        List<EngineEvent> events = new ArrayList<>();
        for (String data : sse.feed(bytes)) {
            events.addAll(event(parse(data)));
        }
        return events;
    }

    @Override
    public List<EngineEvent> end() {
        List<EngineEvent> events = new ArrayList<>();
        for (String data : sse.end()) {
            events.addAll(event(parse(data)));
        }
        if (!finished) {
            throw new EngineException("server_error", "The upstream engine closed the stream before finishing the response.");
        }
        return events;
    }

    JsonNode parse(String data) {
        try {
            JsonNode event = json.readTree(data);
            if (event == null || !event.isObject()) {
                throw new IOException("not an object");
            }
            return event;
        } catch (IOException e) {
            throw new EngineException("server_error", "The upstream engine sent a malformed stream event.");
        }
    }

    /** One upstream event; the engine events it yields. */
    List<EngineEvent> event(JsonNode event) {
        String type = event.path("type").asText("");
        List<EngineEvent> events = new ArrayList<>(2);
        switch (type) {
            case "response.created", "response.in_progress" -> upstreamResponseId = event.at("/response/id").asText(null);
            case "response.output_item.added" -> itemAdded(event, events);
            case "response.output_text.delta", "response.function_call_arguments.delta",
                 "response.reasoning_text.delta", "response.reasoning_summary_text.delta" -> delta(event, events);
            case "response.output_item.done" -> itemDone(event, events);
            case "response.completed", "response.incomplete" -> finish(event.path("response"), events);
            case "response.failed" -> throw failure(event.at("/response/error"), "The upstream engine failed the response.");
            case "error" -> throw requestError(event.has("error") ? event.get("error") : event, event.path("status").asInt(0));
            default -> {
                // content_part.*, *.done, annotations, hosted-tool progress: nothing an engine event carries
            }
        }
        return events;
    }

    private void itemAdded(JsonNode event, List<EngineEvent> events) {
        JsonNode item = event.path("item");
        String type = item.path("type").asText("");
        if (openType != null) {
            closeOpen(events);
        }
        switch (type) {
            case "message" -> events.add(new EngineEvent.MessageStarted());
            case "reasoning" -> events.add(new EngineEvent.ReasoningStarted());
            case "function_call" -> {
                String callId = item.path("call_id").asText("");
                String name = item.path("name").asText("");
                if (callId.isEmpty() || name.isEmpty()) {
                    throw new EngineException("server_error", "The upstream engine started a function call without a call_id or a name.");
                }
                events.add(new EngineEvent.FunctionCallStarted(callId, name));
            }
            default -> {
                return; // an item type engines do not carry: skipped with its events
            }
        }
        openType = type;
        openIndex = event.path("output_index").asInt(-1);
        openText.setLength(0);
    }

    private void delta(JsonNode event, List<EngineEvent> events) {
        if (openType == null || event.path("output_index").asInt(openIndex) != openIndex) {
            return; // a delta of a skipped item
        }
        String delta = event.path("delta").asText("");
        if (delta.isEmpty()) {
            return;
        }
        openText.append(delta);
        events.add(deltaOfOpenItem(delta));
    }

    private EngineEvent deltaOfOpenItem(String text) {
        return switch (openType) {
            case "message" -> new EngineEvent.TextDelta(text);
            case "function_call" -> new EngineEvent.ArgumentsDelta(text);
            default -> new EngineEvent.ReasoningDelta(text);
        };
    }

    private void itemDone(JsonNode event, List<EngineEvent> events) {
        if (openType == null || event.path("output_index").asInt(openIndex) != openIndex) {
            return;
        }
        JsonNode item = event.path("item");
        if (openText.isEmpty()) {
            String whole = wholeText(item);
            if (!whole.isEmpty()) {
                events.add(deltaOfOpenItem(whole));
            }
        }
        if ("reasoning".equals(openType) && item.hasNonNull("encrypted_content")) {
            events.add(new EngineEvent.ReasoningEncrypted(item.get("encrypted_content").asText()));
        }
        closeOpen(events);
    }

    private static String wholeText(JsonNode item) {
        if (item.has("arguments")) {
            return item.path("arguments").asText("");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : item.path("content")) {
            text.append(part.path("text").asText(""));
        }
        return text.toString();
    }

    private void closeOpen(List<EngineEvent> events) {
        if (openType != null) {
            events.add(new EngineEvent.ItemDone());
        }
        openType = null;
        openIndex = -1;
        openText.setLength(0);
    }

    private void finish(JsonNode response, List<EngineEvent> events) {
        closeOpen(events);
        JsonNode usage = response.path("usage");
        String reason = "incomplete".equals(response.path("status").asText())
                ? response.at("/incomplete_details/reason").asText("max_output_tokens") : null;
        events.add(new EngineEvent.Finished(usage.path("input_tokens").asLong(),
                usage.at("/input_tokens_details/cached_tokens").asLong(), usage.path("output_tokens").asLong(),
                usage.at("/output_tokens_details/reasoning_tokens").asLong(), reason));
        finished = true;
    }

    /**
     * A request-level {@code error} event (WebSocket mode): its code is an API error code, not a
     * response error code, so it is mapped like an HTTP error answer; the upstream code stays in
     * {@link UpstreamError#upstreamCode()} (the socket client recovers from {@code previous_response_not_found}).
     */
    private static EngineException requestError(JsonNode error, int status) {
        String upstreamCode = error.path("code").asText("");
        String type = error.path("type").asText("");
        int httpStatus = upstreamCode.contains("rate_limit") ? 429 : status != 0 ? status
                : type.equals("invalid_request_error") ? 400 : 500;
        String code = UpstreamFailure.responseErrorCode(httpStatus);
        String message = error.path("message").asText("");
        return new UpstreamError(code, upstreamCode, "The upstream engine rejected the request"
                + (upstreamCode.isEmpty() ? "" : " (" + upstreamCode + ")") + (message.isEmpty() ? "." : ": " + message));
    }

    private static EngineException failure(JsonNode error, String fallback) {
        String code = error.path("code").asText("");
        String message = error.path("message").asText("");
        return new UpstreamError(code.isEmpty() ? "server_error" : code, code,
                message.isEmpty() ? fallback : "The upstream engine failed: " + message);
    }

    /** An error the upstream reported in its stream; {@code upstreamCode} is the upstream's own code. */
    static final class UpstreamError extends EngineException {
        private final String upstreamCode;

        UpstreamError(String code, String upstreamCode, String message) {
            super(code, message);
            this.upstreamCode = upstreamCode;
        }

        String upstreamCode() {
            return upstreamCode;
        }
    }
}
