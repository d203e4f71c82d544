package dev.baton.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The delta events written from fixed pieces are byte for byte what the object mapper writes. */
class EventEncoderTest {

    private final ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private final EventEncoder encoder = new EventEncoder(json);

    @Test
    void deltasAreTheObjectMappersBytes() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 3_000; i++) {
            String text = randomText(random, random.nextInt(40));
            String itemId = random.nextInt(10) == 0 ? "msg_\"odd\\id" : "msg_" + Integer.toHexString(random.nextInt());
            int sequence = random.nextInt(i < 100 ? 12 : 1 << 20);
            for (StreamEvent event : List.of(
                    new StreamEvent.OutputTextDelta(sequence, itemId, random.nextInt(3), random.nextInt(3), text, List.of()),
                    new StreamEvent.FunctionCallArgumentsDelta(sequence, itemId, random.nextInt(12), text),
                    StreamEvent.ReasoningText.delta(sequence, itemId, random.nextInt(3), text))) {
                String expected = json.writeValueAsString(event);
                assertEquals(expected, string(encoder.encode(event, null)), "event " + i);
                String prefixed = string(encoder.encode(event, EventEncoder.streamIdPrefix("lane-" + i)));
                assertEquals("{\"stream_id\":\"lane-" + i + "\"," + expected.substring(1), prefixed);
            }
        }
    }

    @Test
    void otherEventsAndOddStringsGoThroughTheObjectMapper() throws Exception {
        StreamEvent withLogprobs = new StreamEvent.OutputTextDelta(3, "msg_1", 0, 0, "hi",
                List.of(json.readTree("{\"token\":\"hi\",\"logprob\":-0.1}")));
        assertEquals(json.writeValueAsString(withLogprobs), string(encoder.encode(withLogprobs, null)));
        StreamEvent lone = new StreamEvent.OutputTextDelta(4, "msg_1", 0, 0, "broken \uD800 pair", List.of());
        JsonNode parsed = json.readTree(string(encoder.encode(lone, null))); // still one JSON object
        assertEquals(4, parsed.get("sequence_number").asInt());
        StreamEvent done = StreamEvent.ReasoningText.done(5, "rs_1", 0, "all");
        assertEquals("{\"stream_id\":\"a\"," + json.writeValueAsString(done).substring(1),
                string(encoder.encode(done, EventEncoder.streamIdPrefix("a"))));
        assertEquals(json.writeValueAsString(Map.of("k", "v")), new String(encoder.bytes(Map.of("k", "v")), StandardCharsets.UTF_8));
    }

    private static String randomText(Random random, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(6)) {
                case 0 -> text.append((char) random.nextInt(0x20)); // control characters
                case 1 -> text.append("\"\\/'<>&".charAt(random.nextInt(7)));
                case 2 -> text.appendCodePoint(0x80 + random.nextInt(0x2000));
                case 3 -> text.appendCodePoint(0x1F300 + random.nextInt(0x300)); // surrogate pairs
                default -> text.append((char) (' ' + random.nextInt(95)));
            }
        }
        return text.toString();
    }

    private static String string(ByteBuf buffer) {
        try {
            return buffer.toString(StandardCharsets.UTF_8);
        } finally {
            buffer.release();
        }
    }
}
