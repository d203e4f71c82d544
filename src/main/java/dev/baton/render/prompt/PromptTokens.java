package dev.baton.render.prompt;

import java.util.Arrays;

/**
 * A rendered prompt and its token ids, with the positions where tokenization restarts: right after each
 * added or special token ({@code <|im_end|>}, {@code <|im_start|>}), which the tokenizer never merges
 * across. The prefix of a prompt up to such a boundary tokenizes the same in any longer prompt that starts
 * with it, so a later turn can reuse those ids and tokenize only the rest.
 *
 * @param text       the rendered prompt
 * @param ids        its token ids
 * @param boundaries ascending pairs (text offset, token count) at the restart positions
 */
public record PromptTokens(String text, int[] ids, long[] boundaries) {

    /** The longest boundary of this prompt at or before {@code offset}: (text offset, token count), or (0, 0). */
    long[] boundaryAtOrBefore(int offset) {
        int low = 0;
        int high = boundaries.length / 2 - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (boundaries[2 * mid] <= offset) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found < 0 ? new long[] {0, 0} : new long[] {boundaries[2 * found], boundaries[2 * found + 1]};
    }

    /** Bytes kept alive (for cache weighing). */
    public long retainedBytes() {
        return 64 + 2L * text.length() + 4L * ids.length + 8L * boundaries.length;
    }

    @Override
    public String toString() {
        return "PromptTokens[" + ids.length + " tokens, " + boundaries.length / 2 + " boundaries]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PromptTokens p && p.text.equals(text) && Arrays.equals(p.ids, ids);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
