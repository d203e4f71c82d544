package dev.baton.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * Stream events as the UTF-8 bytes of their JSON, for the WebSocket frames and SSE {@code data:} lines.
 * The delta events — nearly every event of a stream — are written from fixed pieces, with only the
 * sequence number, the indexes and the escaped strings written per event (Jackson's own escaping, so the
 * bytes are those the object mapper writes); every other event goes through the object mapper.
 */
public final class EventEncoder {

    private static final byte[] TEXT_DELTA = ascii("{\"type\":\"response.output_text.delta\",\"sequence_number\":");
    private static final byte[] ARGUMENTS_DELTA = ascii("{\"type\":\"response.function_call_arguments.delta\",\"sequence_number\":");
    private static final byte[] REASONING_DELTA = ascii("{\"type\":\"response.reasoning_text.delta\",\"sequence_number\":");
    private static final byte[] ITEM_ID = ascii(",\"item_id\":\"");
    private static final byte[] OUTPUT_INDEX = ascii("\",\"output_index\":");
    private static final byte[] CONTENT_INDEX = ascii(",\"content_index\":");
    private static final byte[] DELTA = ascii(",\"delta\":\"");
    private static final byte[] END_WITH_NO_LOGPROBS = ascii("\",\"logprobs\":[]}");
    private static final byte[] END = ascii("\"}");

    private final ObjectMapper json;

    public EventEncoder(ObjectMapper json) {
        this.json = json;
    }

    /**
     * The event's JSON; with a {@code prefix} (such as {@code {"stream_id":"a",}), the prefix then the
     * event's fields, as one object. The caller releases the buffer (writing it to a channel does).
     */
    public ByteBuf encode(StreamEvent event, byte[] prefix) {
        ByteBuf delta = delta(event, prefix);
        if (delta != null) {
            return delta;
        }
        byte[] bytes = bytes(event);
        if (prefix == null) {
            return Unpooled.wrappedBuffer(bytes);
        }
        return Unpooled.wrappedBuffer(prefix, java.util.Arrays.copyOfRange(bytes, 1, bytes.length));
    }

    /** Any value as JSON bytes through the object mapper. */
    public byte[] bytes(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** The {@code {"stream_id":"…",} prefix of a named lane's frames ({@code null} for the default lane). */
    public static byte[] streamIdPrefix(String streamId) {
        if (streamId == null) {
            return null;
        }
        return ("{\"stream_id\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(streamId)) + "\",")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A delta event from its pieces, or {@code null} when it is not one (or holds what only Jackson writes). */
    private static ByteBuf delta(StreamEvent event, byte[] prefix) {
        byte[] head;
        String itemId;
        int outputIndex;
        int contentIndex = -1;
        String text;
        byte[] end = END;
        if (event instanceof StreamEvent.OutputTextDelta delta) {
            if (delta.logprobs() == null || !delta.logprobs().isEmpty()) {
                return null;
            }
            head = TEXT_DELTA;
            itemId = delta.itemId();
            outputIndex = delta.outputIndex();
            contentIndex = delta.contentIndex();
            text = delta.delta();
            end = END_WITH_NO_LOGPROBS;
        } else if (event instanceof StreamEvent.FunctionCallArgumentsDelta delta) {
            head = ARGUMENTS_DELTA;
            itemId = delta.itemId();
            outputIndex = delta.outputIndex();
            text = delta.delta();
        } else if (event instanceof StreamEvent.ReasoningText reasoning && reasoning.text() == null
                && "response.reasoning_text.delta".equals(reasoning.type())) {
            head = REASONING_DELTA;
            itemId = reasoning.itemId();
            outputIndex = reasoning.outputIndex();
            contentIndex = reasoning.contentIndex();
            text = reasoning.delta();
        } else {
            return null;
        }
        if (itemId == null || text == null) {
            return null;
        }
        byte[] escapedId;
        byte[] escapedText;
        try {
            escapedId = JsonStringEncoder.getInstance().quoteAsUTF8(itemId);
            escapedText = JsonStringEncoder.getInstance().quoteAsUTF8(text);
        } catch (IllegalArgumentException unpairedSurrogate) {
            return null; // the object mapper writes what it can of such a string
        }
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer(head.length + escapedId.length + escapedText.length + 96
                + (prefix == null ? 0 : prefix.length));
        if (prefix != null) {
            out.writeBytes(prefix).writeBytes(head, 1, head.length - 1);
        } else {
            out.writeBytes(head);
        }
        writeInt(out, event.sequenceNumber());
        out.writeBytes(ITEM_ID).writeBytes(escapedId).writeBytes(OUTPUT_INDEX);
        writeInt(out, outputIndex);
        if (contentIndex >= 0) {
            out.writeBytes(CONTENT_INDEX);
            writeInt(out, contentIndex);
        }
        return out.writeBytes(DELTA).writeBytes(escapedText).writeBytes(end);
    }

    private static void writeInt(ByteBuf out, int value) {
        if (value >= 0 && value < 10) {
            out.writeByte('0' + value);
        } else {
            out.writeCharSequence(Integer.toString(value), StandardCharsets.US_ASCII);
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
