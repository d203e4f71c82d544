package dev.baton.ws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.protocol.Utf8;
import io.vertx.core.Context;
import java.util.ArrayDeque;

/**
 * Reads a connection's text frames into JSON events, in arrival order: checks the size limit, parses
 * small frames inline and large ones on a worker (so one big frame does not stall the event loop's
 * other connections), holding later frames until the large one is parsed. Runs on the connection's
 * event loop; every frame ends in exactly one call of the {@link Sink}.
 */
final class FrameReader {

    /** What a frame became. Each method is called on the connection's event loop. */
    interface Sink {
        void onEvent(JsonNode event);

        void onUnparsable(String detail);

        /** Too many frames wait behind a large one being parsed: this frame is refused. */
        void onBacklogFull(int limit);

        /** The frame is over the size limit: the connection must close with 1009. */
        void onTooBig(long limitBytes);
    }

    private final Context context;
    private final ObjectMapper json;
    private final long maxMessageBytes;
    private final int parseInlineMaxChars;
    private final int maxWaiting;
    private final Sink sink;
    private final ArrayDeque<String> waiting = new ArrayDeque<>();
    private boolean parsingOffLoop;
    private boolean closed;

    FrameReader(Context context, ObjectMapper json, long maxMessageBytes, int parseInlineMaxChars, int maxWaiting,
                Sink sink) {
        this.context = context;
        this.json = json;
        this.maxMessageBytes = maxMessageBytes;
        this.parseInlineMaxChars = parseInlineMaxChars;
        this.maxWaiting = maxWaiting;
        this.sink = sink;
    }

    /** Whether {@code frame} is over the size limit (then {@link #read} answers it with {@link Sink#onTooBig}). */
    boolean tooBig(String frame) {
        // a frame of n chars holds at most 3n UTF-8 bytes: count exactly only near the limit
        return frame.length() > maxMessageBytes / 3 && Utf8.length(frame) > maxMessageBytes;
    }

    void read(String frame) {
        if (closed) {
            return;
        }
        if (tooBig(frame)) {
            sink.onTooBig(maxMessageBytes);
            return;
        }
        if (parsingOffLoop) {
            if (waiting.size() >= maxWaiting) {
                sink.onBacklogFull(maxWaiting);
                return;
            }
            waiting.add(frame); // keeps the connection's order behind the frame being parsed
            return;
        }
        if (frame.length() > parseInlineMaxChars) {
            parseOffLoop(frame);
            return;
        }
        JsonNode event;
        try {
            event = json.readTree(frame);
        } catch (JsonProcessingException e) {
            sink.onUnparsable(e.getOriginalMessage());
            return;
        }
        sink.onEvent(event);
    }

    /** The connection is gone: frames still waiting are dropped. */
    void close() {
        closed = true;
        waiting.clear();
    }

    int waiting() {
        return waiting.size();
    }

    private void parseOffLoop(String frame) {
        parsingOffLoop = true;
        context.<JsonNode>executeBlocking(() -> json.readTree(frame), false).onComplete(parsed -> {
            parsingOffLoop = false;
            if (closed) {
                return;
            }
            try {
                if (parsed.succeeded()) {
                    sink.onEvent(parsed.result());
                } else {
                    Throwable failure = parsed.cause();
                    sink.onUnparsable(failure instanceof JsonProcessingException parse ? parse.getOriginalMessage()
                            : failure.getMessage());
                }
            } finally {
                while (!parsingOffLoop && !closed && !waiting.isEmpty()) {
                    read(waiting.poll());
                }
            }
        });
    }
}
