package dev.baton.engine.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** gpt-oss's harmony output to items, whatever the chunking: channels, recipients, stop tokens present or not. */
class HarmonyOutputParserTest {

    private static final String OUTPUT = "<|channel|>analysis<|message|>Need the weather: a < b, call get_weather.<|end|>"
            + "<|start|>assistant<|channel|>commentary<|message|>Checking — 日本語 ✓.<|end|>"
            + "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>"
            + "{\"city\": \"<Paris>\"}<|call|>";

    private static List<String> parse(String output, Random cuts) {
        return ParserRuns.summary(ParserRuns.run(new HarmonyOutputParser(), output, cuts));
    }

    @Test
    void channelsAndRecipientsBecomeReasoningMessagesAndCalls() {
        assertEquals(List.of("ReasoningStarted", "text:Need the weather: a < b, call get_weather.", "ItemDone",
                "MessageStarted", "text:Checking — 日本語 ✓.", "ItemDone",
                "call:get_weather", "text:{\"city\": \"<Paris>\"}", "ItemDone"), parse(OUTPUT, null));
    }

    @Test
    void theSameItemsWhateverTheChunking() {
        List<String> whole = parse(OUTPUT, null);
        Random random = new Random(7);
        for (int trial = 0; trial < 500; trial++) {
            assertEquals(whole, parse(OUTPUT, random), "trial " + trial);
        }
    }

    @Test
    void aStopTokenMissingFromTheTextStillClosesTheItem() {
        assertEquals(List.of("ReasoningStarted", "text:think", "ItemDone", "MessageStarted", "text:It is 42.", "ItemDone"),
                parse("<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>It is 42.",
                        new Random(3)));
        assertEquals(List.of("call:ls", "text:{}", "ItemDone"),
                parse("<|channel|>commentary to=functions.ls <|constrain|>json<|message|>", null),
                "a call cut at its stop token without arguments gets empty ones");
    }

    @Test
    void textWithoutAnyHeaderIsKeptAsTheAnswer() {
        assertEquals(List.of("MessageStarted", "text:analysisplain words", "ItemDone"),
                parse("analysisplain words", new Random(5)), "special tokens dropped by the engine: nothing lost");
    }

    @Test
    void theGptOssTemplatePicksThisParser() {
        assertEquals(OutputParsers.HARMONY, OutputParsers.forTemplate("{{- \"<|start|>assistant<|channel|>final\" }}"));
        assertEquals(HarmonyOutputParser.class,
                OutputParsers.create(OutputParsers.HARMONY, new ObjectMapper(), false).getClass());
    }
}
