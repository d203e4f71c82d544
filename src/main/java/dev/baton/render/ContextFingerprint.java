package dev.baton.render;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * A hash of exactly what an engine receives for a turn: instructions, tools and the items in
 * order. Two turns with equal fingerprints gave the engine the same context, whichever way the
 * client sent it (chained with {@code previous_response_id}, or in full).
 */
public final class ContextFingerprint {

    private ContextFingerprint() {
    }

    /** The digest of instructions and tools, the part of the prompt that precedes the items. */
    public static byte[] preamble(String instructions, List<JsonNode> tools) {
        MessageDigest sha = RenderedContext.sha256();
        sha.update(String.valueOf(instructions).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0x1f);
        for (JsonNode tool : tools) {
            sha.update(tool.toString().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0x1e);
        }
        return sha.digest();
    }

    /** The fingerprint of a whole prompt: preamble digest then item digest, as hex. */
    public static String of(byte[] preamble, RenderedContext context) {
        return HexFormat.of().formatHex(combine(preamble, context));
    }

    /** The raw digest of a prompt prefix ending at {@code context}; used as a prefix-cache key. */
    public static byte[] combine(byte[] preamble, RenderedContext context) {
        MessageDigest sha = RenderedContext.sha256();
        sha.update(preamble);
        sha.update(context.digest());
        return sha.digest();
    }
}
