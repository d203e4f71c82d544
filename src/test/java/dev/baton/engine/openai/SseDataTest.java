package dev.baton.engine.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** SSE framing, whatever way the bytes are cut — including inside multi-byte characters. */
class SseDataTest {

    private static final String STREAM = ": keep-alive comment\n"
            + "event: response.output_text.delta\n"
            + "data: {\"delta\":\"héllo wörld\"}\n\n"
            + "id: 7\r\n"
            + "data: {\"delta\":\"日本語 and 😀 emoji\"}\r\n\r\n"
            + "data:{\"delta\":\"no space\"}\n\n"
            + "data: [DONE]";
    private static final List<String> EXPECTED = List.of("{\"delta\":\"héllo wörld\"}",
            "{\"delta\":\"日本語 and 😀 emoji\"}", "{\"delta\":\"no space\"}", "[DONE]");

    private static List<String> feedInPieces(byte[] bytes, int[] cuts) {
        SseData sse = new SseData();
        List<String> data = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            data.addAll(sse.feed(Arrays.copyOfRange(bytes, from, cut)));
            from = cut;
        }
        data.addAll(sse.feed(Arrays.copyOfRange(bytes, from, bytes.length)));
        data.addAll(sse.end());
        return data;
    }

    @Test
    void everySingleCutGivesTheSamePayloads() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            assertEquals(EXPECTED, feedInPieces(bytes, new int[] {cut}), "cut at byte " + cut);
        }
    }

    @Test
    void randomCutsGiveTheSamePayloads() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        Random random = new Random(42);
        for (int trial = 0; trial < 2_000; trial++) {
            int[] cuts = random.ints(random.nextInt(20), 0, bytes.length + 1).sorted().toArray();
            assertEquals(EXPECTED, feedInPieces(bytes, cuts), "cuts " + Arrays.toString(cuts));
        }
    }

    @Test
    void byteByByteGivesTheSamePayloads() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        int[] everyByte = new int[bytes.length];
        Arrays.setAll(everyByte, i -> i);
        assertEquals(EXPECTED, feedInPieces(bytes, everyByte));
    }
}
