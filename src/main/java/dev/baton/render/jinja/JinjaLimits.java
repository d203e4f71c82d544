package dev.baton.render.jinja;

/**
 * The bounds of one rendering, so that no template and no conversation can recurse, loop or grow without end:
 * each one hit fails the rendering with a {@link TemplateLimitException} naming it. The ones a conversation drives are
 * far above what real ones render to: 32 Mi characters is twice a 16 MiB request and ~8M tokens, many times the
 * context of any model Baton renders for; a million iterations is a few passes over ~300,000 messages.
 *
 * @param maxCallDepth      macro calls in progress at once (a recursive macro: gpt-oss's walks a tool's JSON schema)
 * @param maxLoopIterations {@code for} iterations of one rendering, all loops together (loop filters included)
 * @param maxRangeLength    the numbers one {@code range()} may produce, as Jinja's sandbox bounds it
 * @param maxOutputChars    characters of the rendered text (what macros and {@code set} blocks capture included),
 *                          and the size of any one string (characters) or list (items) the template builds
 */
public record JinjaLimits(int maxCallDepth, long maxLoopIterations, int maxRangeLength, int maxOutputChars) {

    public static final JinjaLimits DEFAULT = new JinjaLimits(64, 1_000_000, 100_000, 32 * 1024 * 1024);

    /** Which bound a rendering hit. */
    public enum Limit {
        CALL_DEPTH, LOOP_ITERATIONS, RANGE_LENGTH, OUTPUT_CHARS,
        /** The thread's stack, hit before any named bound: a template nested too deep for the renderer. */
        STACK
    }

    void checkChars(long chars) {
        if (chars > maxOutputChars) {
            throw new TemplateLimitException(Limit.OUTPUT_CHARS,
                    "the rendering exceeds the limit of " + maxOutputChars + " characters");
        }
    }

    void checkItems(long items) {
        if (items > maxOutputChars) {
            throw new TemplateLimitException(Limit.OUTPUT_CHARS, "a list exceeds the limit of " + maxOutputChars + " items");
        }
    }
}
