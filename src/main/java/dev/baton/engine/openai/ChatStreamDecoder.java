package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a {@code chat.completion.chunk} SSE stream into engine events: text deltas open an
 * assistant message, each tool call (by {@code index}) opens a function call whose argument deltas
 * follow, reasoning deltas open a reasoning item, {@code finish_reason} and the final usage chunk end
 * the turn. Not thread-safe: one instance per upstream response.
 */
final class ChatStreamDecoder implements StreamDecoder {

    private final ObjectMapper json;
    private final SseData sse = new SseData();
    private boolean reasoningOpen;
    private boolean messageOpen;
    private int openCall = -1;
    private String finishReason;
    private JsonNode usage;
    private boolean done;

    ChatStreamDecoder(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public List<EngineEvent> feed(byte[] bytes) {
        List<EngineEvent> events = new ArrayList<>();
        for (String data : sse.feed(bytes)) {
            data(data, events);
        }
        return events;
    }

    @Override
    public List<EngineEvent> end() {
        List<EngineEvent> events = new ArrayList<>();
        for (String data : sse.end()) {
            data(data, events);
        }
        if (!done && finishReason == null) {
            throw cutShort();
        }
        closeOpen(events);
        long input = usage == null ? 0 : usage.path("prompt_tokens").asLong();
        long output = usage == null ? 0 : usage.path("completion_tokens").asLong();
        long cached = usage == null ? 0 : usage.at("/prompt_tokens_details/cached_tokens").asLong();
        long reasoning = usage == null ? 0 : usage.at("/completion_tokens_details/reasoning_tokens").asLong();
        events.add(new EngineEvent.Finished(input, cached, output, reasoning, stopReason(finishReason)));
        return events;
    }

    private void data(String data, List<EngineEvent> events) {
        if (data.equals("[DONE]")) {
            done = true;
            return;
        }
        JsonNode chunk;
        try {
            chunk = json.readTree(data);
        } catch (IOException e) {
            throw new EngineException("server_error", "The upstream engine sent a malformed stream chunk.");
        }
        if (chunk.has("error")) {
            throw new EngineException("server_error", "The upstream engine failed: "
                    + chunk.path("error").path("message").asText(chunk.path("error").toString()));
        }
        if (chunk.hasNonNull("usage")) {
            usage = chunk.get("usage");
        }
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.path("delta");
            String reasoning = reasoningText(delta);
            if (reasoning != null && !reasoning.isEmpty()) {
                if (!reasoningOpen) {
                    closeOpen(events);
                    events.add(new EngineEvent.ReasoningStarted());
                    reasoningOpen = true;
                }
                events.add(new EngineEvent.ReasoningDelta(reasoning));
            }
            String text = delta.path("content").isTextual() ? delta.get("content").textValue() : null;
            if (text != null && !text.isEmpty()) {
                if (openCall >= 0 || reasoningOpen) {
                    closeOpen(events);
                }
                if (!messageOpen) {
                    events.add(new EngineEvent.MessageStarted());
                    messageOpen = true;
                }
                events.add(new EngineEvent.TextDelta(text));
            }
            for (JsonNode call : delta.path("tool_calls")) {
                int index = call.path("index").asInt(0);
                if (index != openCall) {
                    closeOpen(events);
                    String id = call.path("id").asText("");
                    String name = call.path("function").path("name").asText("");
                    if (id.isEmpty() || name.isEmpty()) {
                        throw new EngineException("server_error",
                                "The upstream engine started a tool call without an id or a name.");
                    }
                    events.add(new EngineEvent.FunctionCallStarted(id, name));
                    openCall = index;
                }
                String arguments = call.path("function").path("arguments").asText("");
                if (!arguments.isEmpty()) {
                    events.add(new EngineEvent.ArgumentsDelta(arguments));
                }
            }
            if (choice.hasNonNull("finish_reason")) {
                finishReason = choice.get("finish_reason").asText();
            }
        }
    }

    /** vLLM and SGLang send {@code reasoning_content}; newer vLLM and Ollama send {@code reasoning}. */
    private static String reasoningText(JsonNode delta) {
        JsonNode text = delta.path("reasoning_content");
        if (!text.isTextual()) {
            text = delta.path("reasoning");
        }
        return text.isTextual() ? text.textValue() : null;
    }

    private void closeOpen(List<EngineEvent> events) {
        if (reasoningOpen || messageOpen || openCall >= 0) {
            events.add(new EngineEvent.ItemDone());
        }
        reasoningOpen = false;
        messageOpen = false;
        openCall = -1;
    }

    private static String stopReason(String finishReason) {
        if ("length".equals(finishReason)) {
            return "max_output_tokens";
        }
        if ("content_filter".equals(finishReason)) {
            return "content_filter";
        }
        return null;
    }

    private static EngineException cutShort() {
        return new EngineException("server_error", "The upstream engine closed the stream before finishing the response.");
    }
}
