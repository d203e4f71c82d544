package dev.baton.engine.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The chat-completions stream as vLLM and SGLang send it, decoded into engine events. */
class ChatStreamDecoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String chunk(String delta) {
        return "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":" + delta + "}]}\n\n";
    }

    private static final String REASONING_TEXT_AND_TWO_CALLS = chunk("{\"role\":\"assistant\"}")
            + chunk("{\"reasoning_content\":\"Let me \"}")
            + chunk("{\"reasoning_content\":\"think.\"}")
            + chunk("{\"content\":\"Calling \"}")
            + chunk("{\"content\":\"tools ✓\"}")
            + chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"ls\",\"arguments\":\"\"}}]}")
            + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"path\\\":\"}}]}")
            + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\".\\\"}\"}}]}")
            + chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"cat\",\"arguments\":\"{}\"}}]}")
            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":9,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":8},\"completion_tokens_details\":{\"reasoning_tokens\":3}}}\n\n"
            + "data: [DONE]\n\n";

    private static final List<EngineEvent> EXPECTED = List.of(
            new EngineEvent.ReasoningStarted(), new EngineEvent.ReasoningDelta("Let me "),
            new EngineEvent.ReasoningDelta("think."), new EngineEvent.ItemDone(),
            new EngineEvent.MessageStarted(), new EngineEvent.TextDelta("Calling "), new EngineEvent.TextDelta("tools ✓"),
            new EngineEvent.ItemDone(),
            new EngineEvent.FunctionCallStarted("call_1", "ls"), new EngineEvent.ArgumentsDelta("{\"path\":"),
            new EngineEvent.ArgumentsDelta("\".\"}"), new EngineEvent.ItemDone(),
            new EngineEvent.FunctionCallStarted("call_2", "cat"), new EngineEvent.ArgumentsDelta("{}"),
            new EngineEvent.ItemDone(),
            new EngineEvent.Finished(12, 8, 9, 3, null));

    private static List<EngineEvent> decode(String stream, Random cuts) {
        ChatStreamDecoder decoder = new ChatStreamDecoder(JSON);
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        List<EngineEvent> events = new ArrayList<>();
        int from = 0;
        while (from < bytes.length) {
            int to = cuts == null ? bytes.length : Math.min(bytes.length, from + 1 + cuts.nextInt(40));
            events.addAll(decoder.feed(java.util.Arrays.copyOfRange(bytes, from, to)));
            from = to;
        }
        events.addAll(decoder.end());
        return events;
    }

    @Test
    void reasoningTextAndParallelToolCallsBecomeItems() {
        assertEquals(EXPECTED, decode(REASONING_TEXT_AND_TWO_CALLS, null));
    }

    @Test
    void theSameEventsWhateverTheChunking() {
        Random random = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            assertEquals(EXPECTED, decode(REASONING_TEXT_AND_TWO_CALLS, random), "trial " + trial);
        }
    }

    @Test
    void lengthStopsAreIncomplete() {
        List<EngineEvent> events = decode(chunk("{\"content\":\"cut\"}")
                + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n", null);
        assertEquals(new EngineEvent.Finished(0, 0, 0, 0, "max_output_tokens"), events.get(events.size() - 1));
    }

    @Test
    void aStreamCutShortOrReportingAnErrorFails() {
        assertThrows(EngineException.class, () -> decode(chunk("{\"content\":\"half\"}"), null));
        EngineException error = assertThrows(EngineException.class,
                () -> decode("data: {\"error\":{\"message\":\"out of memory\"}}\n\n", null));
        assertEquals("The upstream engine failed: out of memory", error.getMessage());
        assertThrows(EngineException.class, () -> decode("data: {not json\n\n", null));
        assertThrows(EngineException.class, () -> decode(
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}"), null),
                "a tool call without id and name");
    }
}
