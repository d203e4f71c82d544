package dev.baton.engine.tokens;

import dev.baton.engine.EngineEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * What the output parsers of tagged formats share: generated text arrives in chunks split anywhere, a tag included, so
 * it is gathered in {@link #pending} and consumed one decidable piece at a time ({@link #step}); a tail that could
 * still begin a tag is held back until the next chunk decides it ({@link #heldBack}).
 */
abstract class TaggedTextParser implements OutputParser {

    protected final StringBuilder pending = new StringBuilder();

    @Override
    public final List<EngineEvent> feed(String text) {
        pending.append(text);
        return consume(false);
    }

    @Override
    public final List<EngineEvent> end() {
        List<EngineEvent> events = consume(true);
        finish(events);
        return events;
    }

    private List<EngineEvent> consume(boolean atEnd) {
        List<EngineEvent> events = new ArrayList<>();
        while (step(events, atEnd)) {
            // keep consuming while a whole tag or text run is decidable
        }
        return events;
    }

    /** Consumes one decidable piece of {@link #pending}; false when nothing more can be decided yet. */
    protected abstract boolean step(List<EngineEvent> events, boolean atEnd);

    /** Generation ended and everything decidable was consumed: closes what is open (or fails the turn). */
    protected abstract void finish(List<EngineEvent> events);

    /** How many trailing characters of {@link #pending} could be the start of one of {@code tags}. */
    protected final int heldBack(List<String> tags) {
        int keep = 0;
        int length = pending.length();
        for (String tag : tags) {
            for (int n = Math.min(tag.length() - 1, length); n > keep; n--) {
                if (pending.substring(length - n).equals(tag.substring(0, n))) {
                    keep = n;
                    break;
                }
            }
        }
        return keep;
    }
}
