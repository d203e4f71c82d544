package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a {@code chat.completion.chunk} SSE stream into engine events: text deltas open an
 * assistant message, each tool call (by {@code index}) opens a function call whose argument deltas
 * follow, {@code finish_reason} and the final usage chunk end the turn. Bytes may arrive split
 * anywhere; lines are reassembled. Not thread-safe: one instance per upstream response.
 */
final class ChatStreamDecoder {

    private final ObjectMapper json;
    private final StringBuilder pending = new StringBuilder();
    private byte[] partialUtf8 = new byte[0];
    private boolean messageOpen;
    private int openCall = -1;
    private String finishReason;
    private JsonNode usage;
    private boolean done;

    ChatStreamDecoder(ObjectMapper json) {
        this.json = json;
    }

    /** Feeds raw bytes; returns the events of every complete line. */
    List<EngineEvent> feed(byte[] bytes) {
        byte[] all = concat(partialUtf8, bytes);
        int whole = wholeUtf8Prefix(all);
        pending.append(new String(all, 0, whole, StandardCharsets.UTF_8));
        partialUtf8 = java.util.Arrays.copyOfRange(all, whole, all.length);
        List<EngineEvent> events = new ArrayList<>();
        int newline;
        while ((newline = pending.indexOf("\n")) >= 0) {
            String line = pending.substring(0, newline).strip();
            pending.delete(0, newline + 1);
            line(line, events);
        }
        return events;
    }

    /** The upstream ended: the closing events, or an {@link EngineException} if it ended too early. */
    List<EngineEvent> end() {
        if (!pending.isEmpty()) {
            List<EngineEvent> events = new ArrayList<>();
            line(pending.toString().strip(), events);
            pending.setLength(0);
            if (!events.isEmpty() && !done && finishReason == null) {
                throw cutShort();
            }
        }
        if (!done && finishReason == null) {
            throw cutShort();
        }
        List<EngineEvent> events = new ArrayList<>();
        closeOpen(events);
        long input = usage == null ? 0 : usage.path("prompt_tokens").asLong();
        long output = usage == null ? 0 : usage.path("completion_tokens").asLong();
        long cached = usage == null ? 0 : usage.at("/prompt_tokens_details/cached_tokens").asLong();
        long reasoning = usage == null ? 0 : usage.at("/completion_tokens_details/reasoning_tokens").asLong();
        events.add(new EngineEvent.Finished(input, cached, output, reasoning, stopReason(finishReason)));
        return events;
    }

    boolean started() {
        return messageOpen || openCall >= 0 || finishReason != null;
    }

    private void line(String line, List<EngineEvent> events) {
        if (line.isEmpty() || line.startsWith(":") || !line.startsWith("data:")) {
            return; // blank separators, comments, event:/id: lines
        }
        String data = line.substring(5).strip();
        if (data.equals("[DONE]")) {
            done = true;
            return;
        }
        JsonNode chunk;
        try {
            chunk = json.readTree(data);
        } catch (IOException e) {
            throw new EngineException("server_error", "The upstream engine sent a malformed stream chunk.");
        }
        if (chunk.has("error")) {
            throw new EngineException("server_error", "The upstream engine failed: "
                    + chunk.path("error").path("message").asText(chunk.path("error").toString()));
        }
        if (chunk.hasNonNull("usage")) {
            usage = chunk.get("usage");
        }
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.path("delta");
            String text = delta.path("content").isTextual() ? delta.get("content").textValue() : null;
            if (text != null && !text.isEmpty()) {
                if (openCall >= 0) {
                    closeOpen(events);
                }
                if (!messageOpen) {
                    events.add(new EngineEvent.MessageStarted());
                    messageOpen = true;
                }
                events.add(new EngineEvent.TextDelta(text));
            }
            for (JsonNode call : delta.path("tool_calls")) {
                int index = call.path("index").asInt(0);
                if (index != openCall) {
                    closeOpen(events);
                    String id = call.path("id").asText("");
                    String name = call.path("function").path("name").asText("");
                    if (id.isEmpty() || name.isEmpty()) {
                        throw new EngineException("server_error",
                                "The upstream engine started a tool call without an id or a name.");
                    }
                    events.add(new EngineEvent.FunctionCallStarted(id, name));
                    openCall = index;
                }
                String arguments = call.path("function").path("arguments").asText("");
                if (!arguments.isEmpty()) {
                    events.add(new EngineEvent.ArgumentsDelta(arguments));
                }
            }
            if (choice.hasNonNull("finish_reason")) {
                finishReason = choice.get("finish_reason").asText();
            }
        }
    }

    private void closeOpen(List<EngineEvent> events) {
        if (messageOpen || openCall >= 0) {
            events.add(new EngineEvent.ItemDone());
        }
        messageOpen = false;
        openCall = -1;
    }

    private static String stopReason(String finishReason) {
        if ("length".equals(finishReason)) {
            return "max_output_tokens";
        }
        if ("content_filter".equals(finishReason)) {
            return "content_filter";
        }
        return null;
    }

    private static EngineException cutShort() {
        return new EngineException("server_error", "The upstream engine closed the stream before finishing the response.");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
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
