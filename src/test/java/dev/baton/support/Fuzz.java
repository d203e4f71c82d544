package dev.baton.support;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Seeded inputs for the fuzzers: valid creates, broken and hostile JSON, a wrong type for every field of
 * {@code response.create}, deep nesting, huge strings, lone surrogates, invalid UTF-8, binary and empty frames,
 * unknown event types, mutations of valid creates. The same seed gives the same inputs.
 */
public final class Fuzz {

    /** Every field of {@code response.create} Baton reads or refuses by name. */
    public static final List<String> CREATE_FIELDS = List.of("model", "input", "instructions", "previous_response_id",
            "store", "stream", "background", "generate", "max_output_tokens", "max_tool_calls", "metadata",
            "parallel_tool_calls", "prompt_cache_key", "reasoning", "safety_identifier", "service_tier", "temperature",
            "text", "tool_choice", "tools", "top_logprobs", "top_p", "truncation", "user", "include", "stream_id",
            "conversation", "context_management", "prompt", "stream_options");

    private static final List<String> WRONG_VALUES = List.of("5", "-1", "0", "1e309", "-0.5", "\"x\"", "\"\"", "true",
            "false", "null", "[]", "{}", "[1]", "[null]", "[[]]", "{\"a\":1}", "[{\"type\":\"bogus\"}]", "\"\\ud800\"",
            "\"\\u0000\"", "9223372036854775808", "[\"a\",\"b\"]", "{\"type\":5}");

    /**
     * One input. {@code bytes} is what travels (a text frame's UTF-8 or an HTTP body); {@code binary} asks for a
     * binary WebSocket frame; {@code expectedCode} is the error code the input must get, or {@code null} when a
     * successful answer or any error is right; {@code continues} names the kinds that build on an earlier response.
     */
    public record Input(String kind, byte[] bytes, boolean binary, String expectedCode) {
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        public String shortened() {
            String text = binary ? "<binary " + bytes.length + " bytes>" : text();
            return text.length() > 200 ? text.substring(0, 200) + "…" : text;
        }
    }

    private final Random random;
    private final boolean websocket;

    /** {@code websocket}: inputs are frames with a {@code type}; otherwise HTTP bodies of {@code POST /v1/responses}. */
    public Fuzz(long seed, boolean websocket) {
        this.random = new Random(seed);
        this.websocket = websocket;
    }

    /** The next input; {@code previous} is a response id a continuation may name. */
    public Input next(String previous) {
        int pick = random.nextInt(24);
        return switch (pick) {
            case 0 -> text("empty", "", "invalid_json");
            case 1 -> text("blank", " \n\t ", "invalid_json");
            case 2 -> text("truncated", pickOf("{", "{\"type\":", "{\"model\":", "nul", "{\"a\":1}}", "\u0000",
                    "\"unterminated", "{\"input\":\"a", "{\"input\":[{"), "invalid_json");
            case 3 -> text("not an object", pickOf("[1,2]", "123", "\"text\"", "null", "true", "[]"),
                    websocket ? "invalid_json" : null);
            case 4 -> websocket ? text("unknown type", "{\"type\":\"response." + word() + "\"}", "unknown_event_type")
                    : text("no model", "{\"input\":\"x\"}", null);
            case 5 -> websocket ? new Input("binary", randomBytes(64), true, "binary_not_supported")
                    : raw("binary body", randomBytes(64));
            case 6 -> text("warm-up", create("\"generate\":false,\"input\":\"warm\""), null);
            case 7, 8 -> text("create", create("\"input\":\"" + word() + "\""), null);
            case 9 -> text("continue", create("\"previous_response_id\":\"" + previous + "\",\"input\":\"more\""), null);
            case 10 -> text("unknown parent", create("\"previous_response_id\":\"resp_" + word() + "\",\"input\":\"x\""),
                    "previous_response_not_found");
            case 11 -> text("missing reference", create("\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_"
                    + word() + "\"}]"), "item_not_found");
            case 12, 13, 14 -> text("wrong type", create("\"" + pickOf(CREATE_FIELDS.toArray(String[]::new)) + "\":"
                    + pickOf(WRONG_VALUES.toArray(String[]::new))), null);
            case 15 -> text("deep arrays", "[".repeat(2_000 + random.nextInt(3_000)), "invalid_json");
            case 16 -> text("deep input", create("\"input\":" + "[".repeat(500 + random.nextInt(2_000)) + "]".repeat(10)),
                    null);
            case 17 -> text("deep metadata", create("\"metadata\":" + "{\"a\":".repeat(300 + random.nextInt(1_000))
                    + "1" + "}".repeat(300)), null);
            case 18 -> text("huge string", create("\"input\":\"" + "z".repeat(100_000 + random.nextInt(400_000))
                    + "\",\"generate\":false"), null);
            case 19 -> text("lone surrogate", create("\"input\":\"" + pickOf("\\ud800", "\\udfff", "a\\ud83dz", "\\ud83d")
                    + "\"" + (random.nextBoolean() ? ",\"store\":false" : "")), null);
            case 20 -> websocket ? text("steer", "{\"type\":\"response.steer\",\"input\":\"" + word() + "\"}",
                    "invalid_input") : invalidUtf8();
            case 21 -> websocket ? text("cancel", "{\"type\":\"response.cancel\"" + (random.nextBoolean()
                    ? ",\"response_id\":\"resp_" + word() + "\"" : "") + "}", "unknown_event_type") : invalidUtf8();
            default -> text("mutated", mutate(create("\"input\":\"" + word() + "\"")), null);
        };
    }

    private Input text(String kind, String text, String expectedCode) {
        return new Input(kind, text.getBytes(StandardCharsets.UTF_8), false, expectedCode);
    }

    private Input raw(String kind, byte[] bytes) {
        return new Input(kind, bytes, false, null);
    }

    /** A create whose input text holds bytes that are not UTF-8 (HTTP only: a WebSocket client cannot send them). */
    private Input invalidUtf8() {
        byte[] head = "{\"model\":\"baton-simulator\",\"input\":\"ab".getBytes(StandardCharsets.UTF_8);
        byte[] bad = pickOf(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3}, new byte[] {(byte) 0xed, (byte) 0xa0,
                (byte) 0x80}, new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                new byte[] {(byte) 0xc0, (byte) 0xaf});
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bad, 0, all, head.length, bad.length);
        System.arraycopy(tail, 0, all, head.length + bad.length, tail.length);
        return new Input("invalid utf-8", all, false, null);
    }

    private String create(String fields) {
        StringBuilder body = new StringBuilder("{");
        if (websocket) {
            body.append("\"type\":\"response.create\",");
            if (random.nextInt(4) == 0) {
                body.append("\"stream_id\":\"lane-").append(random.nextInt(3)).append("\",");
            }
        } else if (random.nextInt(3) == 0) {
            body.append("\"stream\":true,");
        }
        if (random.nextBoolean()) {
            body.append("\"store\":false,");
        }
        return body.append("\"model\":\"baton-simulator\",").append(fields).append('}').toString();
    }

    /** Random deletions, insertions and replacements of characters: mostly broken JSON, sometimes valid. */
    private String mutate(String text) {
        StringBuilder out = new StringBuilder(text);
        int edits = 1 + random.nextInt(4);
        String[] alphabet = {"{", "}", "[", "]", "\"", ":", ",", "\\", " ", "0", "a", "\u00e9", "\u20ac", "\uD83D\uDE00",
                "\u0000", "\\u0000", "\\ud800"};
        for (int e = 0; e < edits && out.length() > 0; e++) {
            int at = random.nextInt(out.length());
            if (Character.isSurrogate(out.charAt(at))) {
                continue; // keep the text well-formed UTF-16: invalid UTF-8 has inputs of its own
            }
            switch (random.nextInt(3)) {
                case 0 -> out.deleteCharAt(at);
                case 1 -> out.insert(at, alphabet[random.nextInt(alphabet.length)]);
                default -> out.replace(at, at + 1, alphabet[random.nextInt(alphabet.length)]);
            }
        }
        return out.toString();
    }

    private byte[] randomBytes(int max) {
        byte[] bytes = new byte[random.nextInt(max)];
        random.nextBytes(bytes);
        return bytes;
    }

    private String word() {
        return Integer.toString(random.nextInt(1 << 20), 36);
    }

    @SafeVarargs
    private <T> T pickOf(T... options) {
        return options[random.nextInt(options.length)];
    }

    /** How many inputs a fuzz test sends: {@code -Dfuzz.inputs=N} for the long run (docs/reliability.md). */
    public static int inputs(int quick) {
        return Integer.getInteger("fuzz.inputs", quick);
    }

    public static long seed() {
        return Long.getLong("fuzz.seed", 20261126L);
    }
}
