package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.tokens.HermesOutputParser;
import java.util.List;

/**
 * Decodes a {@code text_completion} SSE stream: the text deltas go through the output parser into items;
 * {@code finish_reason} and the final usage chunk end the turn. Not thread-safe: one per upstream response.
 */
final class CompletionStreamDecoder extends ChunkStreamDecoder {

    private final HermesOutputParser parser;

    CompletionStreamDecoder(ObjectMapper json, boolean startsInReasoning) {
        super(json);
        this.parser = new HermesOutputParser(json, startsInReasoning);
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
