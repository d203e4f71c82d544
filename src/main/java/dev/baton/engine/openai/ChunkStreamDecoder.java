package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What OpenAI-style chunk streams ({@code chat.completion.chunk}, {@code text_completion}) share: SSE
 * framing, {@code [DONE]}, error chunks, the final usage chunk and {@code finish_reason}; a subclass turns
 * each choice into items. Not thread-safe: one instance per upstream response.
 */
abstract class ChunkStreamDecoder implements StreamDecoder {

    private final ObjectMapper json;
    private final SseData sse = new SseData();
    private String finishReason;
    private JsonNode usage;
    private boolean done;

    ChunkStreamDecoder(ObjectMapper json) {
        this.json = json;
    }

    /** One choice of a chunk: the items it opens, continues or closes. */
    abstract void choice(JsonNode choice, List<EngineEvent> events);

    /** The stream finished: close the open item. */
    abstract void closeOpen(List<EngineEvent> events);

    @Override
    public final List<EngineEvent> feed(byte[] bytes) {
        List<EngineEvent> events = new ArrayList<>();
        for (String data : sse.feed(bytes)) {
            data(data, events);
        }
        return events;
    }

    @Override
    public final List<EngineEvent> end() {
        List<EngineEvent> events = new ArrayList<>();
        for (String data : sse.end()) {
            data(data, events);
        }
        if (!done && finishReason == null) {
            throw new EngineException("server_error", "The upstream engine closed the stream before finishing the response.");
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
            choice(choice, events);
            if (choice.hasNonNull("finish_reason")) {
                finishReason = choice.get("finish_reason").asText();
            }
        }
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
}
