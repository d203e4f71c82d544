package dev.baton.engine.tokens;

import java.util.List;

/** What output parsers share about tags in text that arrives in chunks split anywhere. */
final class Tags {

    private Tags() {
    }

    /** How many trailing characters of {@code text} could be the start of one of {@code tags}: held back for now. */
    static int heldBack(CharSequence text, List<String> tags) {
        int keep = 0;
        int length = text.length();
        for (String tag : tags) {
            for (int n = Math.min(tag.length() - 1, length); n > keep; n--) {
                if (text.subSequence(length - n, length).toString().equals(tag.substring(0, n))) {
                    keep = n;
                    break;
                }
            }
        }
        return keep;
    }
}
