package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import java.util.List;

/**
 * Decodes a {@code chat.completion.chunk} SSE stream into engine events: text deltas open an
 * assistant message, each tool call (by {@code index}) opens a function call whose argument deltas
 * follow, reasoning deltas open a reasoning item, {@code finish_reason} and the final usage chunk end
 * the turn. Not thread-safe: one instance per upstream response.
 */
final class ChatStreamDecoder extends ChunkStreamDecoder {

    private boolean reasoningOpen;
    private boolean messageOpen;
    private int openCall = -1;

    ChatStreamDecoder(ObjectMapper json) {
        super(json);
    }

    @Override
    void choice(JsonNode choice, List<EngineEvent> events) {
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
    }

    /** vLLM and SGLang send {@code reasoning_content}; newer vLLM and Ollama send {@code reasoning}. */
    private static String reasoningText(JsonNode delta) {
        JsonNode text = delta.path("reasoning_content");
        if (!text.isTextual()) {
            text = delta.path("reasoning");
        }
        return text.isTextual() ? text.textValue() : null;
    }

    @Override
    void closeOpen(List<EngineEvent> events) {
        if (reasoningOpen || messageOpen || openCall >= 0) {
            events.add(new EngineEvent.ItemDone());
        }
        reasoningOpen = false;
        messageOpen = false;
        openCall = -1;
    }
}
