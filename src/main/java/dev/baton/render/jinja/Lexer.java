package dev.baton.render.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into text, {@code {{ expression }}} and {@code {% statement %}} pieces, applying
 * whitespace control as Hugging Face chat templates are rendered: the {@code -} markers, and the
 * environment's {@code trim_blocks} (the newline after a block tag is dropped) and {@code lstrip_blocks}
 * (spaces and tabs before a block tag on its line are dropped).
 */
final class Lexer {

    enum Kind { TEXT, EXPRESSION, STATEMENT }

    record Piece(Kind kind, String content, int line) {
    }

    private Lexer() {
    }

    static List<Piece> split(String source) {
        List<Piece> pieces = new ArrayList<>();
        int pos = 0;
        int line = 1;
        boolean trimNextText = false; // a '-' marker or trim_blocks asked to strip the start of the next text
        boolean trimNewlineOnly = false;
        while (pos < source.length()) {
            int open = nextTag(source, pos);
            String text = source.substring(pos, open < 0 ? source.length() : open);
            if (trimNextText) {
                text = stripLeading(text);
            } else if (trimNewlineOnly && text.startsWith("\n")) {
                text = text.substring(1);
            } else if (trimNewlineOnly && text.startsWith("\r\n")) {
                text = text.substring(2);
            }
            trimNextText = false;
            trimNewlineOnly = false;
            if (open < 0) {
                add(pieces, Kind.TEXT, text, line);
                break;
            }
            char type = source.charAt(open + 1);
            boolean trimBefore = open + 2 < source.length() && source.charAt(open + 2) == '-';
            boolean keepBefore = open + 2 < source.length() && source.charAt(open + 2) == '+';
            if (trimBefore) {
                text = stripTrailing(text);
            } else if (type != '{' && !keepBefore) {
                text = lstripBlock(text); // lstrip_blocks
            }
            add(pieces, Kind.TEXT, text, line);
            line += count(source, pos, open);
            String close = type == '{' ? "}}" : type == '%' ? "%}" : "#}";
            int end = source.indexOf(close, open + 2);
            if (end < 0) {
                throw new TemplateException("line " + line + ": unclosed " + source.substring(open, open + 2));
            }
            int innerStart = open + 2 + (trimBefore || keepBefore ? 1 : 0);
            boolean trimAfter = end > innerStart && source.charAt(end - 1) == '-';
            String inner = source.substring(innerStart, trimAfter ? end - 1 : end).strip();
            if (type == '{') {
                add(pieces, Kind.EXPRESSION, inner, line);
            } else if (type == '%') {
                add(pieces, Kind.STATEMENT, inner, line);
            }
            line += count(source, open, end);
            trimNextText = trimAfter;
            trimNewlineOnly = !trimAfter && type != '{'; // trim_blocks: statements and comments
            pos = end + 2;
        }
        return pieces;
    }

    private static int nextTag(String source, int from) {
        int i = source.indexOf('{', from);
        while (i >= 0 && i + 1 < source.length()) {
            char next = source.charAt(i + 1);
            if (next == '{' || next == '%' || next == '#') {
                return i;
            }
            i = source.indexOf('{', i + 1);
        }
        return -1;
    }

    private static void add(List<Piece> pieces, Kind kind, String content, int line) {
        if (kind != Kind.TEXT || !content.isEmpty()) {
            pieces.add(new Piece(kind, content, line));
        }
    }

    private static String stripLeading(String text) {
        int i = 0;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return text.substring(i);
    }

    private static String stripTrailing(String text) {
        int i = text.length();
        while (i > 0 && Character.isWhitespace(text.charAt(i - 1))) {
            i--;
        }
        return text.substring(0, i);
    }

    /** lstrip_blocks: only spaces and tabs between the last newline (or the start) and the tag go. */
    private static String lstripBlock(String text) {
        int i = text.length();
        while (i > 0 && (text.charAt(i - 1) == ' ' || text.charAt(i - 1) == '\t')) {
            i--;
        }
        if (i == 0 || text.charAt(i - 1) == '\n') {
            return text.substring(0, i);
        }
        return text;
    }

    private static int count(String source, int from, int to) {
        int lines = 0;
        for (int i = from; i < to; i++) {
            if (source.charAt(i) == '\n') {
                lines++;
            }
        }
        return lines;
    }
}
