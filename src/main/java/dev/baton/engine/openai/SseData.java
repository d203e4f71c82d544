package dev.baton.engine.openai;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a server-sent-events byte stream into the payloads of its {@code data:} lines. Bytes may
 * arrive split anywhere, even inside a multi-byte character; comments, {@code event:} and
 * {@code id:} lines are skipped (every OpenAI-style stream repeats the type inside the JSON).
 */
final class SseData {

    private final StringBuilder pending = new StringBuilder();
    private byte[] partialUtf8 = new byte[0];

    List<String> feed(byte[] bytes) {
        byte[] all = concat(partialUtf8, bytes);
        int whole = wholeUtf8Prefix(all);
        pending.append(new String(all, 0, whole, StandardCharsets.UTF_8));
        partialUtf8 = Arrays.copyOfRange(all, whole, all.length);
        List<String> data = new ArrayList<>();
        int newline;
        while ((newline = pending.indexOf("\n")) >= 0) {
            line(pending.substring(0, newline).strip(), data);
            pending.delete(0, newline + 1);
        }
        return data;
    }

    /** The payload of a last line without its newline, if any. */
    List<String> end() {
        List<String> data = new ArrayList<>();
        line(pending.toString().strip(), data);
        pending.setLength(0);
        return data;
    }

    private static void line(String line, List<String> data) {
        if (line.startsWith("data:")) {
            data.add(line.substring(5).strip());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** Length of the longest prefix that does not end inside a multi-byte UTF-8 character. */
    private static int wholeUtf8Prefix(byte[] bytes) {
        int end = bytes.length;
        for (int back = 1; back <= Math.min(3, end); back++) {
            int b = bytes[end - back] & 0xff;
            if ((b & 0xc0) == 0x80) {
                continue; // continuation byte
            }
            int needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
            return needed > back ? end - back : end;
        }
        return end;
    }
}
