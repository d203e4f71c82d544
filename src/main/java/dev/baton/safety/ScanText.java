package dev.baton.safety;

import java.util.ArrayList;
import java.util.List;

/**
 * What one classifier reads of a turn: the new texts joined by newlines (so a phrase split across message
 * parts or items is still one phrase), after — for {@code scope: window} — the tail of the chain's recent
 * text. A finding counts only where it reaches into the new texts: what lies wholly in the window was
 * cleared by an earlier turn.
 *
 * @param text     the window (possibly empty), then the new texts
 * @param window   how many leading characters are the window
 * @param segments where each new text starts in {@code text}, in order
 */
public record ScanText(String text, int window, List<Segment> segments) {

    /** One new text: its index among the turn's texts, and its place in {@link #text}. */
    public record Segment(int index, int start, int length) {
        int end() {
            return start + length;
        }
    }

    static ScanText of(String window, List<String> texts) {
        StringBuilder out = new StringBuilder(window.length() + 64 * texts.size());
        out.append(window);
        if (!window.isEmpty() && !texts.isEmpty()) {
            out.append('\n');
        }
        int windowLength = out.length();
        List<Segment> segments = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            if (i > 0) {
                out.append('\n');
            }
            segments.add(new Segment(i, out.length(), texts.get(i).length()));
            out.append(texts.get(i));
        }
        return new ScanText(out.toString(), windowLength, List.copyOf(segments));
    }

    /** Generated text as it streams: {@code before} (output already screened) directly followed by {@code delta}. */
    static ScanText continuing(String before, String delta) {
        return new ScanText(before + delta, before.length(), List.of(new Segment(0, before.length(), delta.length())));
    }

    /** True when the finding reaches into the new texts. */
    boolean counts(Finding finding) {
        return finding.end() > window;
    }

    /** The new texts themselves. */
    List<String> newTexts() {
        List<String> texts = new ArrayList<>(segments.size());
        for (Segment segment : segments) {
            texts.add(text.substring(segment.start(), segment.end()));
        }
        return texts;
    }

    /** Characters of new text (the window not counted). */
    int newChars() {
        return text.length() - window;
    }
}
