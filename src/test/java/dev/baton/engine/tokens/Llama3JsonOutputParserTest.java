package dev.baton.engine.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Llama 3.x replies to items, as vLLM's llama3_json parser reads them, whatever the chunking. */
class Llama3JsonOutputParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> parse(String output, Random cuts) {
        return ParserRuns.summary(ParserRuns.run(OutputParsers.create(OutputParsers.LLAMA3_JSON, JSON, false), output, cuts));
    }

    @Test
    void aJsonReplyIsACallWithItsParameters() {
        assertEquals(List.of("call:get_weather", "text:{\"city\": \"Zürich\", \"days\": [1, 2]}", "ItemDone"),
                parse("{\"name\": \"get_weather\", \"parameters\": {\"city\":\"Zürich\",\"days\":[1,2]}}", null));
        assertEquals(List.of("call:ls", "text:{\"path\": \".\"}", "ItemDone"),
                parse("<|python_tag|>{\"name\": \"ls\", \"arguments\": {\"path\": \".\"}}", null),
                "the python tag, and arguments instead of parameters");
    }

    @Test
    void severalCallsAreSeparatedBySemicolons() {
        assertEquals(List.of("call:ls", "text:{}", "ItemDone", "call:cat", "text:{\"f\": \"a;b\"}", "ItemDone"),
                parse("{\"name\": \"ls\", \"parameters\": {}}; {\"name\": \"cat\", \"parameters\": {\"f\": \"a;b\"}}", null));
    }

    @Test
    void anythingElseIsTheMessageAndABrokenCallIsText() {
        assertEquals(List.of("MessageStarted", "text:It is sunny — 晴れ {really}.", "ItemDone"),
                parse("It is sunny — 晴れ {really}.", new Random(3)));
        assertEquals(List.of("MessageStarted", "text:{\"name\": \"ls\", \"parameters\": {", "ItemDone"),
                parse("{\"name\": \"ls\", \"parameters\": {", null), "vLLM answers an unparseable call as content");
        assertEquals(List.of("MessageStarted", "text:{\"city\": 1}", "ItemDone"), parse("{\"city\": 1}", null),
                "JSON without a name is not a call");
        assertEquals(List.of("MessageStarted", "text:<|python", "ItemDone"), parse("<|python", null));
        assertEquals(List.of(), parse("  \n", null), "nothing generated: no item");
    }

    @Test
    void theSameItemsWhateverTheChunking() {
        String[] outputs = {"  <|python_tag|>{\"name\": \"ls\", \"parameters\": {\"p\": \"日本\"}}; {\"name\": \"x\", \"parameters\": {}}",
            "Plain answer with <|python_tag|> inside and 日本語.", "{\"name\": \"a\", \"parameters\": {\"q\": \"}\"}}"};
        Random random = new Random(5);
        for (String output : outputs) {
            List<String> whole = parse(output, null);
            for (int trial = 0; trial < 300; trial++) {
                assertEquals(whole, parse(output, random), output + " trial " + trial);
            }
        }
    }

    @Test
    void theParserFollowsTheTemplatesFamily() {
        assertEquals(OutputParsers.HERMES, OutputParsers.forTemplate("{{ '<tool_call>' }}<|im_start|>"));
        assertEquals(OutputParsers.LLAMA3_JSON, OutputParsers.forTemplate("<|start_header_id|>{{ role }}<|end_header_id|>"));
        assertEquals(OutputParsers.HERMES, OutputParsers.forTemplate("{{ messages }}"));
    }
}
