package dev.baton.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The headline's link: every byte arrives, in order, with the end of the stream; nothing arrives before its
 * propagation delay, nor faster than the link's rate (lower bounds only: a loaded machine may be slower, never faster).
 */
class LinkEmulatorTest {

    @Test
    void bytesCrossIntactAndNoSoonerThanTheDelayAndTheRateAllow() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket peer = echo.accept(); InputStream in = peer.getInputStream()) {
                    peer.getOutputStream().write(in.readAllBytes()); // echo all, then close
                } catch (IOException e) {
                    // the test fails on what it reads
                }
            });
            server.start();
            byte[] payload = new byte[250_000];
            new Random(1).nextBytes(payload);
            // 100 ms RTT, 10 Mbit/s: 250 kB take 200 ms each way to serialise, plus 50 ms each way of propagation
            try (LinkEmulator link = new LinkEmulator(new LinkEmulator.Profile("test", 100, 10),
                    new URL("http://127.0.0.1:" + echo.getLocalPort()));
                 Socket client = new Socket(link.url().getHost(), link.url().getPort())) {
                long started = System.nanoTime();
                client.getOutputStream().write(payload);
                client.shutdownOutput();
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                client.getInputStream().transferTo(received);
                double elapsedMs = (System.nanoTime() - started) / 1e6;
                assertArrayEquals(payload, received.toByteArray(), "the echo came back intact and in order");
                assertTrue(elapsedMs >= 2 * 200 + 100, "a round trip of 250 kB each way took " + elapsedMs + " ms");
            }
            server.join(10_000);
        }
    }

    @Test
    void aSmallMessagePaysTheRoundTripOnly() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket peer = echo.accept()) {
                    int b;
                    while ((b = peer.getInputStream().read()) >= 0) {
                        peer.getOutputStream().write(b);
                    }
                } catch (IOException e) {
                    // the test fails on what it reads
                }
            });
            server.start();
            try (LinkEmulator link = new LinkEmulator(new LinkEmulator.Profile("test", 80, 50),
                    new URL("http://127.0.0.1:" + echo.getLocalPort()));
                 Socket client = new Socket(link.url().getHost(), link.url().getPort())) {
                for (int i = 0; i < 3; i++) {
                    long started = System.nanoTime();
                    client.getOutputStream().write('x');
                    assertEquals('x', client.getInputStream().read());
                    double elapsedMs = (System.nanoTime() - started) / 1e6;
                    assertTrue(elapsedMs >= 80, "one byte's round trip took " + elapsedMs + " ms");
                }
            }
            server.join(10_000);
        }
    }
}
