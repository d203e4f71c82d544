package dev.baton.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzzer: thousands of mixed frames (valid creates, broken JSON, empty frames, wrong types,
 * unknown ids, binary frames, mutations of valid creates), sent one at a time on one socket. Every
 * frame must get exactly one answer — one terminal event or one {@code error} — and the socket must
 * stay usable throughout.
 */
@QuarkusTest
class WebSocketFuzzTest {

    private static final int FRAMES = 3_000;

    @TestHTTPResource("/")
    URL root;

    private record Frame(String kind, String text, byte[] binary, String expectedCode) {
    }

    @Test
    void everyFrameGetsExactlyOneAnswer() {
        long seed = Long.getLong("baton.fuzz.seed", 20261126L);
        Random random = new Random(seed);
        List<String> completedIds = new ArrayList<>();
        try (WsClient ws = WsClient.connect(root)) {
            for (int i = 0; i < FRAMES; i++) {
                Frame frame = next(random, completedIds);
                if (frame.binary() != null) {
                    ws.sendBinary(frame.binary());
                } else {
                    ws.send(frame.text());
                }
                JsonNode answer = answerOf(ws, frame, i, seed);
                if (answer.path("type").asText().equals("response.completed")) {
                    completedIds.add(answer.at("/response/id").asText());
                }
            }
            // nothing stray is left behind: the next create's first frame is its own response.created
            ws.send("{\"type\":\"response.create\",\"model\":\"baton-simulator\",\"input\":\"last\",\"metadata\":{\"m\":\"end\"}}");
            JsonNode created = ws.next();
            assertEquals("response.created", created.path("type").asText(), created.toString());
            assertEquals("end", created.at("/response/metadata/m").asText());
        }
    }

    /** Reads one frame's answer: the frames of one response up to its terminal event, or one error. */
    private static JsonNode answerOf(WsClient ws, Frame frame, int index, long seed) {
        JsonNode first;
        try {
            first = ws.next();
        } catch (AssertionError noAnswer) {
            throw new AssertionError("frame " + index + " (" + frame.kind() + ", seed " + seed + ") got no answer: "
                    + shorten(frame), noAnswer);
        }
        String type = first.path("type").asText();
        if (type.equals("error") || type.equals("response.steer.failed")) {
            if (frame.expectedCode() != null) {
                assertEquals(frame.expectedCode(), first.at("/error/code").asText(),
                        "frame " + index + " (" + frame.kind() + "): " + first);
            }
            assertTrue(first.at("/error/message").asText().length() > 5, first.toString());
            return first;
        }
        if (!type.equals("response.created")) {
            fail("frame " + index + " (" + frame.kind() + ") was answered by " + first);
        }
        String id = first.at("/response/id").asText();
        JsonNode last = first;
        while (!WsClient.terminal(last)) {
            last = ws.next();
        }
        if (last.path("type").asText().equals("error")) {
            fail("frame " + index + " (" + frame.kind() + ") got an error inside its response stream: " + last);
        }
        assertEquals(id, last.at("/response/id").asText(), "frame " + index + ": one response per create");
        return last;
    }

    private static String shorten(Frame frame) {
        String text = frame.text() == null ? "<binary " + frame.binary().length + " bytes>" : frame.text();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    private static Frame next(Random random, List<String> completedIds) {
        int pick = random.nextInt(20);
        String previous = completedIds.isEmpty() ? "resp_none" : completedIds.get(random.nextInt(completedIds.size()));
        return switch (pick) {
            case 0 -> new Frame("empty", "", null, "invalid_json");
            case 1 -> new Frame("blank", " \n\t ", null, "invalid_json");
            case 2 -> new Frame("truncated", pickOf(random, "{", "{\"type\":", "{\"type\":\"response.create\",",
                    "nul", "{\"a\":1}}", "\u0000", "\"unterminated"), null, "invalid_json");
            case 3 -> new Frame("not an object", pickOf(random, "[1,2]", "123", "\"text\"", "null", "true", "[]"),
                    null, "invalid_json");
            case 4 -> new Frame("no type", pickOf(random, "{}", "{\"type\":5}", "{\"type\":null}", "{\"model\":\"m\"}"),
                    null, "missing_required_parameter");
            case 5 -> new Frame("unknown type", "{\"type\":\"response." + word(random) + "\"}", null, "unknown_event_type");
            case 6 -> new Frame("binary", null, randomBytes(random), "binary_not_supported");
            case 7 -> new Frame("warm-up", create(random, "\"generate\":false,\"input\":\"warm\""), null, null);
            case 8, 9 -> new Frame("create", create(random, "\"input\":\"" + word(random) + "\""), null, null);
            case 10 -> new Frame("continue", create(random, "\"previous_response_id\":\"" + previous
                    + "\",\"input\":\"more\""), null, null);
            case 11 -> new Frame("unknown parent", create(random, "\"previous_response_id\":\"resp_" + word(random)
                    + "\",\"input\":\"x\""), null, "previous_response_not_found");
            case 12 -> new Frame("missing reference", create(random,
                    "\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_" + word(random) + "\"}]"), null, "item_not_found");
            case 13 -> new Frame("wrong type", create(random, pickOf(random, "\"temperature\":\"hot\"",
                    "\"input\":5", "\"tools\":\"x\"", "\"metadata\":[1]", "\"store\":\"yes\"", "\"max_output_tokens\":\"many\"",
                    "\"input\":[{\"type\":\"bogus\"}]", "\"input\":[{\"role\":\"user\",\"content\":7}]",
                    "\"previous_response_id\":17", "\"stream_id\":\"has space\"", "\"include\":{}",
                    "\"input\":[null]", "\"input\":[[]]", "\"tool_choice\":[]", "\"reasoning\":5",
                    "\"input\":[{\"type\":\"function_call_output\"}]")), null, null);
            case 14 -> new Frame("steer", "{\"type\":\"response.steer\",\"input\":\"" + word(random) + "\"}", null,
                    "steering_not_supported");
            case 15 -> new Frame("inject", "{\"type\":\"response.inject\",\"input\":[]}", null, "inject_not_supported");
            case 16 -> new Frame("deep", "[".repeat(2_000 + random.nextInt(3_000)), null, "invalid_json");
            default -> new Frame("mutated", mutate(random, create(random, "\"input\":\"" + word(random) + "\"")), null, null);
        };
    }

    private static String create(Random random, String fields) {
        String lane = random.nextInt(4) == 0 ? ",\"stream_id\":\"lane-" + random.nextInt(3) + "\"" : "";
        String store = random.nextBoolean() ? ",\"store\":false" : "";
        return "{\"type\":\"response.create\",\"model\":\"baton-simulator\"," + fields + lane + store + "}";
    }

    /** Random deletions, insertions and replacements of characters: mostly broken JSON, sometimes valid. */
    private static String mutate(Random random, String text) {
        StringBuilder out = new StringBuilder(text);
        int edits = 1 + random.nextInt(4);
        String[] alphabet = {"{", "}", "[", "]", "\"", ":", ",", "\\", " ", "0", "a", "\u00e9", "\u20ac", "\uD83D\uDE00", "\u0000"};
        for (int e = 0; e < edits && out.length() > 0; e++) {
            int at = random.nextInt(out.length());
            if (Character.isSurrogate(out.charAt(at))) {
                continue; // keep the text well-formed UTF-16: the client can only send valid UTF-8
            }
            switch (random.nextInt(3)) {
                case 0 -> out.deleteCharAt(at);
                case 1 -> out.insert(at, alphabet[random.nextInt(alphabet.length)]);
                default -> out.replace(at, at + 1, alphabet[random.nextInt(alphabet.length)]);
            }
        }
        return out.toString();
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static String word(Random random) {
        return Integer.toString(random.nextInt(1 << 20), 36);
    }

    @SafeVarargs
    private static <T> T pickOf(Random random, T... options) {
        return options[random.nextInt(options.length)];
    }
}
