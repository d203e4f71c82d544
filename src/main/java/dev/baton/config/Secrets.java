package dev.baton.config;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of messages and logs: a URL's user info ({@code redis://user:password@host}), key-like query
 * parameters, bearer tokens and API keys written in free text are replaced by {@value #MASK}. Every message that
 * quotes a configured URL, a header or an upstream's error text goes through here.
 */
public final class Secrets {

    public static final String MASK = "***";

    /** {@code scheme://userinfo@}: whatever precedes the last {@code @} before the host. */
    private static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\\s@]*@");
    private static final Pattern KEY_PARAMETER = Pattern.compile(
            "(?i)([?&](?:api[_-]?key|key|token|access_token|password|secret|sig|signature)=)[^&#\\s]*");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[^\\s\"',;]+");
    /** OpenAI-style and similar keys: a known prefix, then a long run of key characters. */
    private static final Pattern API_KEY = Pattern.compile("\\b(?:sk|rk|pk|hf|gsk|xai)[-_][A-Za-z0-9_-]{16,}");

    private Secrets() {
    }

    /** {@code text} with every URL's user info, key parameter, bearer token and API key masked; null stays null. */
    public static String redact(Object text) {
        if (text == null) {
            return null;
        }
        String redacted = USER_INFO.matcher(text.toString()).replaceAll("$1" + MASK + "@");
        redacted = KEY_PARAMETER.matcher(redacted).replaceAll("$1" + MASK);
        redacted = BEARER.matcher(redacted).replaceAll("$1" + MASK);
        return API_KEY.matcher(redacted).replaceAll(MASK);
    }

    /** Header names with their values masked: what a {@code toString} of a record holding headers shows. */
    public static Map<String, String> headerNames(Map<String, String> headers) {
        Map<String, String> masked = new TreeMap<>();
        headers.keySet().forEach(name -> masked.put(name, MASK));
        return masked;
    }
}
