package dev.baton.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client on a plain TCP socket, for what the JDK's client cannot do: several frames in one TCP write
 * (they reach the server in one read), and the frames' bytes as sent (compression bits). Every read has a deadline.
 */
public final class RawWebSocket implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A frame as received: its first byte (FIN, RSV1 = compressed, opcode) and its payload. */
    public record Frame(int first, byte[] payload) {
        public boolean compressed() {
            return (first & 0x40) != 0;
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final String handshake;

    private RawWebSocket(URL root, String extraHeaders) {
        try {
            socket = new Socket(root.getHost(), root.getPort());
            socket.setSoTimeout((int) WsClient.DEADLINE.toMillis());
            out = socket.getOutputStream();
            in = new DataInputStream(socket.getInputStream());
            out.write(("GET /v1/responses HTTP/1.1\r\nHost: " + root.getHost() + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder headers = new StringBuilder();
            while (!headers.toString().endsWith("\r\n\r\n")) {
                headers.append((char) in.readUnsignedByte());
            }
            handshake = headers.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RawWebSocket open(URL root) {
        return new RawWebSocket(root, "");
    }

    /** Offers permessage-deflate (the server answers whether it took it in {@link #handshake()}). */
    public static RawWebSocket openOfferingDeflate(URL root) {
        return new RawWebSocket(root, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
    }

    /** The server's handshake answer (status line and headers). */
    public String handshake() {
        return handshake;
    }

    /** Sends {@code texts} as text frames in one TCP write. */
    public void send(String... texts) {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (String text : texts) {
            byte[] payload = text.getBytes(StandardCharsets.UTF_8);
            byte[] mask = {1, 2, 3, 4};
            frames.write(0x81);
            if (payload.length < 126) {
                frames.write(0x80 | payload.length);
            } else if (payload.length < 65_536) {
                frames.write(0x80 | 126);
                frames.write(payload.length >> 8);
                frames.write(payload.length & 0xff);
            } else {
                throw new IllegalArgumentException("frames up to 64 KiB");
            }
            frames.write(mask, 0, 4);
            for (int i = 0; i < payload.length; i++) {
                frames.write(payload[i] ^ mask[i % 4]);
            }
        }
        try {
            out.write(frames.toByteArray());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next frame from the server (server frames are not masked). */
    public Frame nextFrame() {
        try {
            int first = in.readUnsignedByte();
            int length = in.readUnsignedByte() & 0x7F;
            long size = length == 126 ? in.readUnsignedShort() : length == 127 ? in.readLong() : length;
            byte[] payload = new byte[Math.toIntExact(size)];
            in.readFully(payload);
            return new Frame(first, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next frame, an uncompressed JSON event. */
    public JsonNode next() {
        Frame frame = nextFrame();
        try {
            return JSON.readTree(new String(frame.payload(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
