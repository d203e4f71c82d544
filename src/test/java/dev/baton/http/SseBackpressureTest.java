package dev.baton.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.support.Sse;
import dev.baton.ws.WebSocketBackpressureTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reader that takes an SSE stream in small sips, stalling again and again: every stall pauses the engine and
 * every resume asks for more, hundreds of times in one stream, and the stream still arrives whole.
 */
@QuarkusTest
@TestProfile(WebSocketBackpressureTest.SmallQueue.class) // a 100,000-word reply (shares the app with that test)
class SseBackpressureTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void aReaderThatKeepsStallingGetsEveryEvent() throws Exception {
        String body = "{\"model\":\"baton-simulator\",\"input\":\"a very long answer\",\"stream\":true}";
        byte[] request = ("POST /v1/responses HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(8 * 1024); // a small window: the server's queue fills at each stall
            socket.setSoTimeout(30_000);
            socket.connect(new InetSocketAddress(root.getHost(), root.getPort()));
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            readInSips(socket.getInputStream(), received);
        }
        byte[] response = received.toByteArray();
        String head = new String(response, 0, Math.min(response.length, 4096), StandardCharsets.ISO_8859_1);
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        List<Sse.Event> events = Sse.parse(dechunk(response, head.indexOf("\r\n\r\n") + 4));

        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).data().get("sequence_number").asInt(), "no event missing or reordered");
        }
        Sse.Event last = events.get(events.size() - 1);
        assertEquals("response.completed", last.type(), "the stream ends completed, not with an error");
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> e.type().equals("response.output_text.delta"))
                .forEach(e -> text.append(e.data().get("delta").asText()));
        assertEquals(last.data().at("/response/output/0/content/0/text").asText(), text.toString());
        assertTrue(last.data().at("/response/usage/output_tokens").asInt() > 100_000);
    }

    /** Reads to the end, 16 KiB at a time, resting a millisecond after each: the reader is slower than the engine. */
    private static void readInSips(InputStream in, ByteArrayOutputStream into) throws IOException, InterruptedException {
        byte[] sip = new byte[16 * 1024];
        for (int n; (n = in.read(sip)) >= 0; ) {
            into.write(sip, 0, n);
            Thread.sleep(1);
        }
    }

    /** The body of a chunked HTTP/1.1 response (sizes count bytes). */
    private static String dechunk(byte[] chunked, int from) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = from;
        while (true) {
            int lineEnd = at;
            while (chunked[lineEnd] != '\r') {
                lineEnd++;
            }
            int size = Integer.parseInt(new String(chunked, at, lineEnd - at, StandardCharsets.US_ASCII).trim(), 16);
            if (size == 0) {
                return body.toString(StandardCharsets.UTF_8);
            }
            body.write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
