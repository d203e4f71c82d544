package dev.baton.render.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Splits a Jinja expression into tokens for {@link ExprParser}. */
final class ExprTokens {

    private ExprTokens() {
    }

    /** Tokens: names, numbers, string literals (kept with their opening quote, escapes resolved), operators. */
    static List<String> split(String source, int line) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '\'' || c == '"') {
                StringBuilder text = new StringBuilder().append(c);
                i++;
                while (i < source.length() && source.charAt(i) != c) {
                    char ch = source.charAt(i);
                    if (ch == '\\' && i + 1 < source.length()) {
                        char escaped = source.charAt(++i);
                        switch (escaped) {
                            case 'n' -> text.append('\n');
                            case 't' -> text.append('\t');
                            case 'r' -> text.append('\r');
                            case 'b' -> text.append('\b');
                            case 'f' -> text.append('\f');
                            case 'u' -> {
                                text.append((char) Integer.parseInt(source.substring(i + 1, i + 5), 16));
                                i += 4;
                            }
                            default -> text.append(escaped);
                        }
                    } else {
                        text.append(ch);
                    }
                    i++;
                }
                if (i >= source.length()) {
                    throw new TemplateException("line " + line + ": unterminated string");
                }
                i++;
                tokens.add(text.toString());
            } else if (Character.isDigit(c)) {
                int start = i;
                while (i < source.length() && (Character.isDigit(source.charAt(i)) || source.charAt(i) == '.'
                        && i + 1 < source.length() && Character.isDigit(source.charAt(i + 1)))) {
                    i++;
                }
                tokens.add(source.substring(start, i));
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < source.length() && (Character.isLetterOrDigit(source.charAt(i)) || source.charAt(i) == '_')) {
                    i++;
                }
                tokens.add(source.substring(start, i));
            } else {
                String two = i + 1 < source.length() ? source.substring(i, i + 2) : "";
                if (Set.of("==", "!=", "<=", ">=", "//", "**").contains(two)) {
                    tokens.add(two);
                    i += 2;
                } else {
                    tokens.add(String.valueOf(c));
                    i++;
                }
            }
        }
        return tokens;
    }
}
