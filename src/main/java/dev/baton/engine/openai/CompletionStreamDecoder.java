package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import dev.baton.engine.tokens.HermesOutputParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a {@code text_completion} SSE stream: the text deltas go through the output parser into items;
 * {@code finish_reason} and the final usage chunk end the turn. Not thread-safe: one per upstream response.
 */
final class CompletionStreamDecoder implements StreamDecoder {

    private final ObjectMapper json;
    private final SseData sse = new SseData();
    private final HermesOutputParser parser;
    private String finishReason;
    private JsonNode usage;
    private boolean done;

    CompletionStreamDecoder(ObjectMapper json, boolean startsInReasoning) {
        this.json = json;
        this.parser = new HermesOutputParser(json, startsInReasoning);
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
            throw new EngineException("server_error", "The upstream engine closed the stream before finishing the response.");
        }
        events.addAll(parser.end());
        long input = usage == null ? 0 : usage.path("prompt_tokens").asLong();
        long output = usage == null ? 0 : usage.path("completion_tokens").asLong();
        long cached = usage == null ? 0 : usage.at("/prompt_tokens_details/cached_tokens").asLong();
        events.add(new EngineEvent.Finished(input, cached, output, 0,
                "length".equals(finishReason) ? "max_output_tokens" : null));
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
            String text = choice.path("text").asText("");
            if (!text.isEmpty()) {
                events.addAll(parser.feed(text));
            }
            if (choice.hasNonNull("finish_reason")) {
                finishReason = choice.get("finish_reason").asText();
            }
        }
    }
}
