package dev.baton.render.prompt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.baton.render.hf.HfTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The rendered-token cache of token-in engines: each turn's prompt tokens, kept under the id of the response
 * the turn produced, so the next turn of the chain reuses every token up to the last tokenization boundary
 * its prompt shares with its parent's and tokenizes only the rest. Whether a template keeps earlier text
 * unchanged is never assumed: the shared prefix is found by comparing the renderings (Qwen3's template, for
 * one, drops the reasoning of earlier turns once a new user query arrives — the prefix is then shorter, and
 * the turn counts as a fallback). The result always equals tokenizing the whole prompt. Bounded by bytes.
 */
public final class PromptCache {

    /**
     * A turn's prompt tokens and how they were obtained.
     *
     * @param reused   tokens taken from the parent's prompt
     * @param fallback the parent's prompt was not a prefix up to its last boundary (the template changed history)
     */
    public record Result(PromptTokens prompt, int reused, boolean fallback) {
    }

    private final Cache<String, PromptTokens> prompts;

    public PromptCache(long maxBytes) {
        this.prompts = Caffeine.newBuilder().maximumWeight(maxBytes)
                .weigher((String key, PromptTokens value) -> (int) Math.min(Integer.MAX_VALUE, value.retainedBytes()))
                .executor(Runnable::run) // upkeep on the writer's thread: no pool thread woken per turn
                .build();
    }

    /**
     * The tokens of {@code text}, reusing the prompt cached under {@code parentKey} where it is a prefix.
     *
     * @param parentKey the id of the response this turn continues, or {@code null}
     */
    public Result tokens(HfTokenizer tokenizer, String text, String parentKey) {
        PromptTokens parent = parentKey == null || !tokenizer.stableBoundaries() ? null : prompts.getIfPresent(parentKey);
        List<Long> boundaries = new ArrayList<>();
        if (parent == null) {
            int[] ids = tokenizer.encode(text, boundaries::add);
            return new Result(new PromptTokens(text, ids, unbox(boundaries)), 0, false);
        }
        int shared = commonPrefix(parent.text(), text);
        long[] at = parent.boundaryAtOrBefore(shared);
        long[] lastOfParent = parent.boundaryAtOrBefore(parent.text().length());
        for (int i = 0; i < parent.boundaries().length && parent.boundaries()[i] <= at[0]; i += 2) {
            boundaries.add(parent.boundaries()[i]);
            boundaries.add(parent.boundaries()[i + 1]);
        }
        int[] prefix = java.util.Arrays.copyOf(parent.ids(), (int) at[1]);
        int[] ids = tokenizer.encodeAfter(prefix, text.substring((int) at[0]), boundaries::add, (int) at[0]);
        return new Result(new PromptTokens(text, ids, unbox(boundaries)), prefix.length, at[0] < lastOfParent[0]);
    }

    /** Keeps a turn's prompt for the turns that continue its response. */
    public void remember(String responseKey, PromptTokens prompt) {
        prompts.put(responseKey, prompt);
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static long[] unbox(List<Long> values) {
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
