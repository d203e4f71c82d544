package dev.baton.engine.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Generated text to items, whatever the chunking: tags split anywhere, multi-byte text, parallel calls. */
class HermesOutputParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OUTPUT = "<think>\nCompare a < b and b > c.\nThen act.\n</think>\n\nSure — 日本語 ✓ <b>bold</b>.\n"
            + "<tool_call>\n{\"name\": \"ls\", \"arguments\": {\"path\": \"<dir>\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"cat\", \"arguments\": \"{\\\"f\\\": 1}\"}\n</tool_call>";

    private static List<String> summary(List<EngineEvent> events) {
        return ParserRuns.summary(events);
    }

    private static List<EngineEvent> parse(String output, Random cuts) {
        return ParserRuns.run(new HermesOutputParser(JSON, false), output, cuts);
    }

    @Test
    void reasoningTextAndParallelCallsBecomeItems() {
        assertEquals(List.of("ReasoningStarted", "text:Compare a < b and b > c.\nThen act.", "ItemDone",
                "MessageStarted", "text:Sure — 日本語 ✓ <b>bold</b>.", "ItemDone",
                "call:ls", "text:{\"path\": \"<dir>\"}", "ItemDone",
                "call:cat", "text:{\"f\": 1}", "ItemDone"), summary(parse(OUTPUT, null)));
    }

    @Test
    void theSameItemsWhateverTheChunking() {
        List<String> whole = summary(parse(OUTPUT, null));
        Random random = new Random(11);
        for (int trial = 0; trial < 500; trial++) {
            assertEquals(whole, summary(parse(OUTPUT, random)), "trial " + trial);
        }
    }

    @Test
    void plainTextStaysOneMessageAndBrokenCallsFailTheTurn() {
        assertEquals(List.of("MessageStarted", "text:Just text, with <tags> that are not ours.", "ItemDone"),
                summary(parse("Just text, with <tags> that are not ours.", new Random(1))));
        assertThrows(EngineException.class, () -> parse("<tool_call>{not json}</tool_call>", null));
        assertThrows(EngineException.class, () -> parse("<tool_call>{\"name\": \"ls\"", null));
    }
}
