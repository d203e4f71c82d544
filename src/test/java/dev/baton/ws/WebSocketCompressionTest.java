package dev.baton.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.support.RawWebSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/**
 * With permessage-deflate negotiated, the deltas go uncompressed and the large events compressed, on one
 * connection, turn after turn: read frame by frame from a raw socket, the compressed ones inflated with one
 * window for the whole connection (context takeover), as the ws, OkHttp and browser clients read them.
 */
@QuarkusTest
@TestProfile(WebSocketCompressionTest.LongReplies.class)
class WebSocketCompressionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static class LongReplies implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.simulator.reply-words", "400");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Test
    void smallFramesGoUncompressedAndLargeOnesCompressed() throws IOException, DataFormatException {
        try (RawWebSocket socket = RawWebSocket.openOfferingDeflate(root)) {
            String headers = socket.handshake();
            assertTrue(headers.startsWith("HTTP/1.1 101"), headers);
            assertTrue(headers.toLowerCase().contains("permessage-deflate"), "deflate negotiated: " + headers);

            Inflater inflater = new Inflater(true); // one window for the connection
            for (int turn = 0; turn < 3; turn++) {
                socket.send("{\"type\":\"response.create\",\"model\":\"baton-simulator\",\"store\":false,\"input\":\"turn "
                        + turn + "\"}");
                StringBuilder deltas = new StringBuilder();
                int uncompressedDeltas = 0;
                while (true) {
                    RawWebSocket.Frame frame = socket.nextFrame();
                    boolean compressed = frame.compressed();
                    assertEquals(0x81, frame.first() & 0xBF, "one final text frame per event");
                    byte[] payload = frame.payload();
                    String text = compressed ? inflate(inflater, payload) : new String(payload, StandardCharsets.UTF_8);
                    JsonNode event = JSON.readTree(text);
                    String type = event.get("type").asText();
                    if (type.equals("response.output_text.delta")) {
                        assertFalse(compressed, "a delta of " + payload.length + " bytes is sent as it is");
                        uncompressedDeltas++;
                        deltas.append(event.get("delta").asText());
                    }
                    if (compressed) {
                        assertTrue(text.length() >= 1024, "only frames of 1 KiB and more are compressed: " + text.length());
                    } else {
                        assertTrue(payload.length < 1024, "a frame of " + payload.length + " bytes is compressed");
                    }
                    if (type.equals("response.completed")) {
                        assertTrue(compressed, "the completed response (" + text.length() + " chars) is compressed");
                        assertEquals(deltas.toString(), event.at("/response/output/0/content/0/text").asText());
                        break;
                    }
                }
                assertTrue(uncompressedDeltas > 100, "deltas seen: " + uncompressedDeltas);
            }
        }
    }

    private static String inflate(Inflater inflater, byte[] payload) throws DataFormatException {
        byte[] input = new byte[payload.length + 4];
        System.arraycopy(payload, 0, input, 0, payload.length);
        input[payload.length + 2] = (byte) 0xff; // the 00 00 ff ff tail the sender removed (RFC 7692 §7.2.2)
        input[payload.length + 3] = (byte) 0xff;
        inflater.setInput(input);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        int read;
        while ((read = inflater.inflate(chunk)) > 0) {
            text.write(chunk, 0, read);
        }
        return text.toString(StandardCharsets.UTF_8);
    }
}
