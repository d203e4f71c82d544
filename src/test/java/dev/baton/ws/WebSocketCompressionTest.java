package dev.baton.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
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
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            out.write(("GET /v1/responses HTTP/1.1\r\nHost: " + root.getHost() + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String headers = readHeaders(in);
            assertTrue(headers.startsWith("HTTP/1.1 101"), headers);
            assertTrue(headers.toLowerCase().contains("permessage-deflate"), "deflate negotiated: " + headers);

            Inflater inflater = new Inflater(true); // one window for the connection
            for (int turn = 0; turn < 3; turn++) {
                sendText(out, "{\"type\":\"response.create\",\"model\":\"baton-simulator\",\"store\":false,\"input\":\"turn "
                        + turn + "\"}");
                StringBuilder deltas = new StringBuilder();
                int uncompressedDeltas = 0;
                while (true) {
                    int first = in.readUnsignedByte();
                    boolean compressed = (first & 0x40) != 0;
                    assertEquals(0x81, first & 0xBF, "one final text frame per event");
                    byte[] payload = new byte[payloadLength(in)];
                    in.readFully(payload);
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

    private static int payloadLength(DataInputStream in) throws IOException {
        int length = in.readUnsignedByte() & 0x7F; // server frames are not masked
        if (length == 126) {
            return in.readUnsignedShort();
        }
        if (length == 127) {
            return (int) in.readLong();
        }
        return length;
    }

    private static void sendText(OutputStream out, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length & 0xff);
        }
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    private static String readHeaders(DataInputStream in) throws IOException {
        StringBuilder headers = new StringBuilder();
        while (!headers.toString().endsWith("\r\n\r\n")) {
            headers.append((char) in.readUnsignedByte());
        }
        return headers.toString();
    }
}
