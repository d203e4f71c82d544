package dev.baton.render.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemCodec;
import dev.baton.support.TokenizerOracle;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Incremental tokens equal a full render + tokenize, turn after turn, over many generated agent
 * conversations (text, reasoning, parallel tool calls, unicode, long answers, forks) on the real Qwen3, Llama 3 and Llama 3.1 (its tool
 * template) files; and
 * the cache really reuses: most of a chained turn's tokens come from its parent.
 */
class PromptCacheTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void installOracle() throws Exception {
        TokenizerOracle.install();
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3", "llama3_1"})
    void incrementalTokensEqualAFullRenderEveryTurn(String model) throws Exception {
        // Llama 3.1 with its tool template (JSON calls, ipython tool messages), one call per message as it requires
        boolean llama31 = model.equals("llama3_1");
        PromptRenderer renderer = PromptRenderer.load(TokenizerOracle.tokenizerFile(model).getParent(),
                llama31 ? TokenizerOracle.templateFile("meta-llama-Llama-3.1-8B-Instruct.jinja") : null, JSON);
        List<com.fasterxml.jackson.databind.JsonNode> tools = llama31 ? List.of(JSON.readTree(
                "{\"type\": \"function\", \"name\": \"exec\", \"description\": \"Runs a command.\", "
                        + "\"parameters\": {\"type\": \"object\", \"properties\": {\"cmd\": {\"type\": \"string\"}}}}"))
                : List.of();
        PromptCache cache = new PromptCache(64L << 20);
        Random random = new Random(model.hashCode());
        long reused = 0;
        long total = 0;
        int fallbacks = 0;
        int turns = 0;
        for (int conversation = 0; conversation < 40; conversation++) {
            ArrayNode items = JSON.createArrayNode();
            String parent = null;
            List<ArrayNode> afterTurn = new java.util.ArrayList<>(); // each turn's conversation, its output included
            int length = 2 + random.nextInt(8);
            for (int turn = 0; turn < length; turn++) {
                addInput(items, turn, random);
                List<Item> sofar = ItemCodec.decodeStored(items, "conversation");
                String text = renderer.render("Be an agent.", sofar, tools);
                PromptCache.Result result = cache.tokens(renderer.tokenizer(), text, parent);
                assertArrayEquals(renderer.tokenizer().encode(text), result.prompt().ids(),
                        model + " conversation " + conversation + " turn " + turn);
                String id = "resp_" + conversation + "_" + turn;
                cache.remember(id, result.prompt());
                parent = id;
                reused += result.reused();
                total += result.prompt().ids().length;
                fallbacks += result.fallback() ? 1 : 0;
                turns++;
                addOutput(items, turn, random, model.equals("qwen3"), llama31 ? 1 : 2);
                afterTurn.add(items.deepCopy());
            }
            // a fork: another question after an earlier turn, continuing that turn's response
            int at = random.nextInt(afterTurn.size());
            ArrayNode fork = afterTurn.get(at).deepCopy();
            fork.addObject().put("type", "message").put("role", "user").put("content", "Instead: try another way 🔀");
            String text = renderer.render("Be an agent.", ItemCodec.decodeStored(fork, "fork"), tools);
            PromptCache.Result forked = cache.tokens(renderer.tokenizer(), text, "resp_" + conversation + "_" + at);
            assertArrayEquals(renderer.tokenizer().encode(text), forked.prompt().ids(),
                    model + " conversation " + conversation + " forked after turn " + at);
        }
        assertTrue(reused > total / 2, model + ": tokens reused " + reused + " of " + total);
        System.out.printf("%s: %d turns, %d of %d prompt tokens reused, %d fallbacks%n", model, turns, reused, total,
                fallbacks);
    }

    private static void addInput(ArrayNode items, int turn, Random random) {
        if (turn > 0 && items.get(items.size() - 1).path("type").asText().equals("function_call")) {
            for (int i = items.size() - 1; i >= 0 && items.get(i).path("type").asText().equals("function_call"); i--) {
                items.addObject().put("type", "function_call_output").put("call_id", items.get(i).path("call_id").asText())
                        .put("output", "result " + turn + " " + "x".repeat(random.nextInt(200)) + "\n日本 😀");
            }
            return;
        }
        items.addObject().put("type", "message").put("role", "user").put("content", "step " + turn + ": what next?");
    }

    private static void addOutput(ArrayNode items, int turn, Random random, boolean reasoning, int maxCalls) {
        if (reasoning && random.nextBoolean()) {
            ObjectNode item = items.addObject().put("type", "reasoning").put("id", "rs_" + turn);
            item.putArray("summary");
            item.putArray("content").addObject().put("type", "reasoning_text").put("text", "thinking " + turn);
        }
        // now and then a long answer: thousands of characters, multi-byte ones among them
        String text = random.nextInt(5) == 0 ? ("Long answer " + turn + ": " + "ünïcödé, 漢字 and words. ".repeat(200))
                : "Doing step " + turn + ".";
        items.addObject().put("type", "message").put("role", "assistant")
                .putArray("content").addObject().put("type", "output_text").put("text", text);
        int calls = random.nextInt(maxCalls + 1);
        for (int k = 0; k < calls; k++) {
            items.addObject().put("type", "function_call").put("call_id", "call_" + turn + "_" + k).put("name", "exec")
                    .put("arguments", "{\"cmd\": \"ls " + k + "\"}");
        }
    }
}
