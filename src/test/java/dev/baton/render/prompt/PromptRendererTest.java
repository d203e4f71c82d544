package dev.baton.render.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemCodec;
import dev.baton.support.TokenizerOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Responses items to the token ids a token-in engine receives: the items become template messages in vLLM's
 * conventions, and the whole prompt equals what Hugging Face's JavaScript stack (its Jinja renderer and its
 * tokenizer) makes of the same messages, on the real Qwen3 and Llama 3 folders.
 */
class PromptRendererTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void installOracle() throws Exception {
        TokenizerOracle.install();
    }

    private static Path folder(String model) {
        return TokenizerOracle.tokenizerFile(model).getParent();
    }

    private static List<Item> items(String json) throws Exception {
        return ItemCodec.decodeStored(JSON.readTree(json), "test");
    }

    @Test
    void itemsBecomeMessagesInVllmConventions() throws Exception {
        // arguments reach the template parsed, as vLLM's and SGLang's chat preprocessing passes them
        List<Item> items = items("""
                [{"type":"message","role":"developer","content":"be brief"},
                 {"type":"message","role":"user","content":[{"type":"input_text","text":"list files"}]},
                 {"type":"reasoning","id":"rs_1","summary":[],"content":[{"type":"reasoning_text","text":"use ls"}]},
                 {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Listing."}]},
                 {"type":"function_call","call_id":"call_1","name":"ls","arguments":"{\\"path\\": \\".\\"}"},
                 {"type":"function_call","call_id":"call_2","name":"pwd","arguments":"{}"},
                 {"type":"function_call_output","call_id":"call_1","output":"a b"},
                 {"type":"function_call_output","call_id":"call_2","output":"/"}]""");
        JsonNode messages = JSON.valueToTree(TemplateMessages.messages("You are an agent.", items));
        assertEquals(JSON.readTree("""
                [{"role":"system","content":"You are an agent."},
                 {"role":"system","content":"be brief"},
                 {"role":"user","content":"list files"},
                 {"role":"assistant","content":"Listing.","reasoning_content":"use ls","tool_calls":[
                   {"type":"function","id":"call_1","function":{"name":"ls","arguments":{"path":"."}}},
                   {"type":"function","id":"call_2","function":{"name":"pwd","arguments":{}}}]},
                 {"role":"tool","content":"a b","tool_call_id":"call_1"},
                 {"role":"tool","content":"/","tool_call_id":"call_2"}]"""), messages);
        JsonNode tools = JSON.valueToTree(TemplateMessages.tools(List.of(JSON.readTree(
                "{\"type\":\"function\",\"name\":\"ls\",\"description\":\"d\",\"parameters\":{\"type\":\"object\"},\"strict\":true}"),
                JSON.readTree("{\"type\":\"web_search\"}"))));
        assertEquals(JSON.readTree("[{\"type\":\"function\",\"function\":{\"name\":\"ls\",\"description\":\"d\","
                + "\"parameters\":{\"type\":\"object\"}}}]"), tools);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3"})
    void promptTokensEqualTheReferenceRenderAndTokenize(String model) throws Exception {
        PromptRenderer renderer = PromptRenderer.load(folder(model), null, JSON);
        Random random = new Random(7);
        List<List<Item>> conversations = new ArrayList<>();
        ArrayNode contexts = JSON.createArrayNode();
        for (int c = 0; c < 60; c++) {
            List<Item> conversation = conversation(random, model.equals("qwen3"));
            conversations.add(conversation);
            var context = contexts.addObject();
            context.set("messages", JSON.valueToTree(TemplateMessages.messages("Be an agent.", conversation)));
            context.put("add_generation_prompt", true);
            context.put("bos_token", model.equals("llama3") ? "<|begin_of_text|>" : "");
            context.put("eos_token", model.equals("llama3") ? "<|eot_id|>" : "<|im_end|>");
        }
        TokenizerOracle.Result rendered = TokenizerOracle.run(List.of("node", "render.mjs", model), contexts.toString(), 300);
        assertEquals(0, rendered.exit(), rendered.output());
        TokenizerOracle.Result encoded = TokenizerOracle.run(List.of("node", "encode.mjs", model), rendered.output(), 300);
        assertEquals(0, encoded.exit(), encoded.output());
        JsonNode expected = JSON.readTree(encoded.output());
        for (int c = 0; c < conversations.size(); c++) {
            int[] want = JSON.convertValue(expected.get(c), int[].class);
            assertArrayEquals(want, renderer.tokens("Be an agent.", conversations.get(c), List.of()),
                    model + " conversation #" + c);
        }
    }

    @Test
    void aMissingOrBrokenFileStopsTheLoadNamingIt() throws Exception {
        Path empty = Files.createTempDirectory("tokenizer");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> PromptRenderer.load(empty, null, JSON));
        assertTrue(missing.getMessage().contains(empty.resolve("tokenizer.json").toString()), missing.getMessage());
        Path template = Files.createTempFile("template", ".jinja");
        Files.writeString(template, "{% for m in messages %}{{ m.content }}");
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> PromptRenderer.load(folder("qwen3"), template, JSON));
        assertTrue(broken.getMessage().startsWith(template.toString()) && broken.getMessage().contains("endfor"),
                broken.getMessage());
    }

    /** A seeded agent conversation as Responses items: user turns, reasoning, text, parallel calls, outputs. */
    private static List<Item> conversation(Random random, boolean tools) throws Exception {
        ArrayNode items = JSON.createArrayNode();
        int turns = 1 + random.nextInt(4);
        for (int t = 0; t < turns; t++) {
            items.addObject().put("type", "message").put("role", "user").put("content", "step " + t + " — ünïcode 😀");
            if (t == turns - 1 && random.nextBoolean()) {
                break;
            }
            if (tools && random.nextBoolean()) {
                items.addObject().put("type", "reasoning").put("id", "rs_" + t).putArray("summary");
                ((com.fasterxml.jackson.databind.node.ObjectNode) items.get(items.size() - 1)).putArray("content")
                        .addObject().put("type", "reasoning_text").put("text", "thinking " + t);
            }
            items.addObject().put("type", "message").put("role", "assistant")
                    .putArray("content").addObject().put("type", "output_text").put("text", "Answer " + t + ".");
            if (tools && random.nextBoolean()) {
                int calls = 1 + random.nextInt(2);
                for (int k = 0; k < calls; k++) {
                    items.addObject().put("type", "function_call").put("call_id", "call_" + t + k).put("name", "exec")
                            .put("arguments", "{\"cmd\": \"ls " + k + "\"}");
                }
                for (int k = 0; k < calls; k++) {
                    items.addObject().put("type", "function_call_output").put("call_id", "call_" + t + k)
                            .put("output", "file" + k + "\nline");
                }
            }
        }
        return ItemCodec.decodeStored(items, "conversation");
    }
}
