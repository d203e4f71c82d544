package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.tokens.OutputParser;
import java.util.List;

/**
 * Decodes a {@code text_completion} SSE stream: the text deltas go through the output parser into items;
 * {@code finish_reason} and the final usage chunk end the turn. Not thread-safe: one per upstream response.
 */
final class CompletionStreamDecoder extends ChunkStreamDecoder {

    private final OutputParser parser;

    CompletionStreamDecoder(ObjectMapper json, OutputParser parser) {
        super(json);
        this.parser = parser;
    }

    @Override
    void choice(JsonNode choice, List<EngineEvent> events) {
        String text = choice.path("text").asText("");
        if (!text.isEmpty()) {
            events.addAll(parser.feed(text));
        }
    }

    @Override
    void closeOpen(List<EngineEvent> events) {
        events.addAll(parser.end());
    }
}
