package dev.baton.config;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of messages and logs: a URL's user info ({@code redis://user:password@host}), key-like query
 * parameters, bearer tokens and API keys written in free text are replaced by {@value #MASK}. Every message that
 * quotes a configured URL, a header or an upstream's error text goes through here. Linear in the text, which is cut
 * to {@value #MAX_CHARS} characters first: an upstream may echo a client's megabyte back in its error.
 */
public final class Secrets {

    public static final String MASK = "***";
    static final int MAX_CHARS = 8192;

    private static final Pattern KEY_PARAMETER = Pattern.compile(
            "(?i)([?&](?:api[_-]?key|key|token|access_token|password|secret|sig|signature|x-amz-signature)=)[^&#\\s]*+");
    private static final Pattern CREDENTIALS = Pattern.compile("(?i)\\b(bearer|basic)(\\s++)[^\\s\"',;]++");
    /** OpenAI-style and similar keys: a known prefix, then a long run of key characters. */
    private static final Pattern API_KEY = Pattern.compile("\\b(?:sk|rk|pk|hf|gsk|xai)[-_][A-Za-z0-9_-]{16,}+");

    private Secrets() {
    }

    /** {@code text} with every URL's user info, key parameter, credential and API key masked; null stays null. */
    public static String redact(Object text) {
        if (text == null) {
            return null;
        }
        String value = text.toString();
        if (value.length() > MAX_CHARS) {
            value = value.substring(0, MAX_CHARS) + "…";
        }
        String redacted = maskUserInfo(value);
        redacted = KEY_PARAMETER.matcher(redacted).replaceAll("$1" + MASK);
        redacted = CREDENTIALS.matcher(redacted).replaceAll("$1$2" + MASK);
        return API_KEY.matcher(redacted).replaceAll(MASK);
    }

    /**
     * After each {@code scheme://}, everything up to the last {@code @} before the next whitespace — the user info,
     * whatever characters the password holds (an {@code @}, a {@code /}); a path's {@code @} may mask more than needed.
     */
    private static String maskUserInfo(String text) {
        int scheme = text.indexOf("://");
        if (scheme < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int from = 0;
        while (scheme >= 0) {
            int start = scheme + 3;
            int end = start;
            int at = -1;
            while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
                if (text.charAt(end) == '@') {
                    at = end;
                }
                end++;
            }
            out.append(text, from, start);
            if (at >= 0) {
                out.append(MASK);
                from = at;
            } else {
                from = start;
            }
            scheme = text.indexOf("://", Math.max(start, end));
            if (scheme >= 0) {
                out.append(text, from, scheme);
                from = scheme;
            }
        }
        out.append(text, from, text.length());
        return out.toString();
    }

    /** Header names with their values masked: what a {@code toString} of a record holding headers shows. */
    public static Map<String, String> headerNames(Map<String, String> headers) {
        Map<String, String> masked = new TreeMap<>();
        headers.keySet().forEach(name -> masked.put(name, MASK));
        return masked;
    }
}
