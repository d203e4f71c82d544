package dev.baton.session;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Unguessable ids: a type prefix and 192 random bits (PROTOCOL.md: at least 128). */
public final class Ids {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private Ids() {
    }

    public static String response() {
        return "resp_" + random();
    }

    public static String message() {
        return "msg_" + random();
    }

    public static String functionCall() {
        return "fc_" + random();
    }

    public static String conversation() {
        return "conv_" + random();
    }

    /** A steering submission's id: {@code steer_} and 32 hex digits, as OpenAI's. */
    public static String steer() {
        return "steer_" + random().substring(0, 32);
    }

    public static String request() {
        return "req_" + random().substring(0, 32);
    }

    /** An id for an input item the client sent without one, prefixed by its type. */
    public static String forItemType(String type) {
        return switch (type) {
            case "message" -> message();
            case "function_call" -> functionCall();
            case "function_call_output" -> "fco_" + random();
            case "reasoning" -> "rs_" + random();
            case "compaction" -> "cmp_" + random();
            default -> "item_" + random();
        };
    }

    private static String random() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }
}
