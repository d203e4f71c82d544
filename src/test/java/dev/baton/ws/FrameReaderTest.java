package dev.baton.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Frame reading on a real Vert.x event loop, without a socket: order, size, and one outcome per frame. */
class FrameReaderTest {

    private final Vertx vertx = Vertx.vertx();
    private final Context loop = vertx.getOrCreateContext();
    private final List<String> outcomes = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private FrameReader reader(long maxBytes, int inlineChars, int maxWaiting) {
        return new FrameReader(loop, new ObjectMapper(), maxBytes, inlineChars, maxWaiting, new FrameReader.Sink() {
            @Override
            public void onEvent(JsonNode event) {
                assertTrue(Context.isOnEventLoopThread(), "events arrive on the event loop");
                outcomes.add(event.isObject() ? "event " + event.path("n").asText() : "not an object");
            }

            @Override
            public void onUnparsable(String detail) {
                outcomes.add("unparsable");
            }

            @Override
            public void onBacklogFull(int limit) {
                outcomes.add("backlog full " + limit);
            }

            @Override
            public void onTooBig(long limitBytes) {
                outcomes.add("too big " + limitBytes);
            }
        });
    }

    private void onLoop(Runnable task) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        loop.runOnContext(ignored -> {
            task.run();
            done.countDown();
        });
        assertTrue(done.await(10, TimeUnit.SECONDS));
    }

    private void awaitOutcomes(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (outcomes.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(count, outcomes.size(), outcomes.toString());
    }

    private static String frame(int n, int padding) {
        return "{\"n\":\"" + n + "\",\"pad\":\"" + "x".repeat(padding) + "\"}";
    }

    @Test
    void framesBehindALargeOneKeepTheirOrder() throws InterruptedException {
        FrameReader reader = reader(1 << 24, 1_000, 16);
        onLoop(() -> {
            reader.read(frame(1, 2_000_000)); // parsed on a worker
            reader.read(frame(2, 0));
            reader.read("{broken");
            reader.read(frame(3, 5_000)); // large again, behind the first
            reader.read("");
            reader.read(frame(4, 0));
        });
        awaitOutcomes(6);
        assertEquals(List.of("event 1", "event 2", "unparsable", "event 3", "not an object", "event 4"), outcomes,
                "an empty frame is delivered as no object, for the session to refuse");
    }

    @Test
    void aFullBacklogRefusesTheFrameAndKeepsTheRest() throws InterruptedException {
        FrameReader reader = reader(1 << 24, 100, 2);
        onLoop(() -> {
            reader.read(frame(1, 3_000_000));
            reader.read(frame(2, 0));
            reader.read(frame(3, 0));
            reader.read(frame(4, 0));
        });
        awaitOutcomes(4);
        assertEquals(List.of("backlog full 2", "event 1", "event 2", "event 3"), outcomes);
    }

    @Test
    void theSizeLimitCountsUtf8Bytes() throws InterruptedException {
        FrameReader reader = reader(30, 1_000, 4);
        String emoji = "\uD83D\uDE00"; // 2 chars, 4 bytes
        onLoop(() -> {
            reader.read("{\"n\":\"" + emoji.repeat(5) + "\"}"); // 29 bytes: under the limit
            reader.read("{\"n\":\"" + emoji.repeat(6) + "\"}"); // 33 bytes: over
        });
        awaitOutcomes(2);
        assertEquals(List.of("event " + emoji.repeat(5), "too big 30"), outcomes);
    }

    @Test
    void nothingIsDeliveredAfterClose() throws InterruptedException {
        FrameReader reader = reader(1 << 24, 100, 4);
        onLoop(() -> {
            reader.read(frame(1, 3_000_000));
            reader.read(frame(2, 0));
            reader.close();
            reader.read(frame(3, 0));
        });
        CountDownLatch drained = new CountDownLatch(1);
        // the worker's parse completes after close; a later task on the loop proves it delivered nothing
        vertx.setTimer(500, id -> loop.runOnContext(ignored -> drained.countDown()));
        assertTrue(drained.await(10, TimeUnit.SECONDS));
        assertEquals(List.of(), outcomes);
    }
}
