package dev.baton.session;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.protocol.ResponseObject;
import dev.baton.render.RenderedContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The hot cache weighs what its entries keep alive: shared histories once, rebuilt ones whole. */
class HotCacheTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ResponseCodec CODEC = new ResponseCodec(JSON);
    private static final TenantId TENANT = new TenantId("t");

    private static MessageItem message(String role, String text) {
        String type = role.equals("user") ? "input_text" : "output_text";
        return new MessageItem("msg_" + UUID.randomUUID(), "completed", role,
                List.of(new ContentPart.Text(type, text, List.of())));
    }

    private static ResponseObject response(String id, String parentId, Item output) {
        ObjectNode r = JSON.createObjectNode().put("id", id).put("created_at", 1).put("status", "completed")
                .put("model", "m").put("previous_response_id", parentId);
        r.set("output", JSON.valueToTree(List.of(output)));
        ObjectNode record = JSON.createObjectNode();
        record.set("response", r);
        record.set("input", JSON.createArrayNode());
        return CODEC.decode(record.toString()).response();
    }

    /** The next turn of a chain: one user item in, one assistant item out, sharing the parent's context. */
    private static StoredResponse turn(StoredResponse parent, String text) {
        return turn(TENANT, parent, text);
    }

    private static StoredResponse turn(TenantId tenant, StoredResponse parent, String text) {
        MessageItem in = message("user", text);
        MessageItem out = message("assistant", text);
        RenderedContext base = parent == null ? RenderedContext.EMPTY : parent.context();
        return StoredResponse.of(tenant, response("resp_" + UUID.randomUUID(), parent == null ? null : parent.id(), out),
                List.of(in), base.append(List.of(in, out)), parent == null ? 1 : parent.depth() + 1, null);
    }

    /** A chain's tip as a cold load from Redis builds it: every item and node freshly made. */
    private static StoredResponse rebuiltChain(int turns, int textBytes) {
        String text = "x".repeat(textBytes);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < turns - 1; i++) {
            items.add(message("user", text + i));
            items.add(message("assistant", text + i));
        }
        RenderedContext history = RenderedContext.EMPTY.append(items);
        MessageItem in = message("user", text);
        MessageItem out = message("assistant", text);
        return StoredResponse.of(TENANT, response("resp_" + UUID.randomUUID(), "resp_parent_not_cached", out),
                List.of(in), history.append(List.of(in, out)), turns, null);
    }

    @Test
    void aChainIsCountedOnceWhateverItsDepth() {
        HotCache cache = new HotCache(1L << 30, Duration.ofHours(1), new SimpleMeterRegistry());
        StoredResponse tip = null;
        for (int i = 0; i < 50; i++) {
            tip = turn(tip, "turn " + i + " " + "y".repeat(1000));
            cache.put(tip);
        }
        long expected = tip.context().retainedBytes() + 50L * HotCache.RESPONSE_BYTES;
        assertEquals(expected, cache.weightedBytes(), "the tip carries the shared history, each response its own bytes");

        StoredResponse fork = turn(cache.get(TENANT, tip.response().previousResponseId()), "a fork");
        cache.put(fork);
        long forkTurn = fork.context().retainedBytes() - fork.context().dropLast(2).retainedBytes();
        assertEquals(expected + HotCache.RESPONSE_BYTES + forkTurn, cache.weightedBytes(), "a fork adds only its turn");

        cache.remove(TENANT, tip.id());
        long tipTurn = tip.context().retainedBytes() - tip.context().dropLast(2).retainedBytes();
        long afterDelete = expected + forkTurn - tipTurn;
        await().atMost(Duration.ofSeconds(5)).until(() -> cache.weightedBytes() == afterDelete);
    }

    @Test
    void aRebuiltContextIsWeighedWhole() {
        HotCache cache = new HotCache(1L << 30, Duration.ofHours(1), new SimpleMeterRegistry());
        StoredResponse cold = rebuiltChain(40, 2_000);
        cache.put(cold);
        assertEquals(cold.context().retainedBytes() + HotCache.RESPONSE_BYTES, cache.weightedBytes());
        StoredResponse next = turn(cold, "continued here");
        cache.put(next);
        long turnBytes = next.context().retainedBytes() - cold.context().retainedBytes();
        assertEquals(cold.context().retainedBytes() + 2L * HotCache.RESPONSE_BYTES + turnBytes, cache.weightedBytes(),
                "the child takes over its parent's history instead of counting it again");
    }

    @Test
    void manyColdChainsStayWithinTheByteBound() {
        long bound = 16L << 20;
        HotCache cache = new HotCache(bound, Duration.ofHours(1), new SimpleMeterRegistry());
        long before = usedHeapAfterGc();
        for (int chain = 0; chain < 100; chain++) {
            cache.put(rebuiltChain(32, 8_000)); // over 1 MB of heap each: well over 100 MB if nothing were evicted
        }
        long weighed = cache.weightedBytes(); // runs the cache's pending maintenance first
        java.util.concurrent.ForkJoinPool.commonPool().awaitQuiescence(10, java.util.concurrent.TimeUnit.SECONDS);
        long retained = usedHeapAfterGc() - before;
        assertTrue(weighed <= bound, "weighed " + weighed);
        // the estimate is within a small factor of real heap (JVM object layout varies), never unbounded
        assertTrue(retained < 3 * bound,
                "the cache kept " + (retained >> 20) + " MiB alive under a bound of " + (bound >> 20) + " MiB");
        assertTrue(retained > bound / 4, "the weights reflect real memory: retained " + (retained >> 20) + " MiB");
        assertTrue(cache.get(TENANT, "resp_missing") == null);
    }

    @Test
    void aTenantBeyondItsShareLosesItsOwnOldestChainsNotOthers() {
        TenantId busy = new TenantId("busy");
        long share = 256L << 10;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        HotCache cache = new HotCache(64L << 20, tenant -> tenant.equals(busy) ? share : 0, Duration.ofHours(1), registry);
        List<StoredResponse> quiet = new ArrayList<>();
        StoredResponse quietTip = null;
        for (int i = 0; i < 20; i++) {
            quietTip = turn(quietTip, "quiet " + i + " " + "q".repeat(2_000));
            cache.put(quietTip);
            quiet.add(quietTip);
        }
        long quietBytes = cache.tenantBytes(TENANT);
        List<StoredResponse> newest = new ArrayList<>();
        for (int chain = 0; chain < 200; chain++) { // ~1.6 MB of chains from one tenant, six times its share
            StoredResponse tip = null;
            for (int i = 0; i < 4; i++) {
                tip = turn(busy, tip, "busy " + chain + " " + i + " " + "b".repeat(2_000));
                cache.put(tip);
            }
            newest.add(tip);
            assertTrue(cache.tenantBytes(busy) <= share, "busy weighs " + cache.tenantBytes(busy) + " after chain " + chain);
        }
        for (StoredResponse kept : quiet) {
            assertTrue(cache.get(TENANT, kept.id()) != null, "the quiet tenant lost " + kept.id());
        }
        assertEquals(quietBytes, cache.tenantBytes(TENANT));
        assertTrue(cache.get(busy, newest.get(newest.size() - 1).id()) != null, "the busy tenant's newest chain stays");
        assertTrue(cache.get(busy, newest.get(0).id()) == null, "the busy tenant's oldest chain left");
        assertEquals(cache.weightedBytes(), cache.tenantBytes(TENANT) + cache.tenantBytes(busy),
                "the tenants' bytes add up to what the cache weighs");
        assertTrue(registry.counter("baton_hot_cache_tenant_evictions_total", "tenant", "busy").count() > 0);
    }

    @Test
    void aResponseJustWrittenIsThereForItsNextTurnWhateverLargerEntriesFillTheCache() {
        HotCache cache = new HotCache(8L << 20, Duration.ofHours(1), new SimpleMeterRegistry());
        List<String> lost = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            cache.put(turn(null, "b" + i + "x".repeat(i % 25 == 0 ? 400_000 : 2_000))); // every 25th: a 400 KB context
            StoredResponse small = turn(null, "s" + i);
            cache.put(small);
            if (cache.get(TENANT, small.id()) == null) {
                lost.add(small.id());
            }
        }
        // Caffeine's W-TinyLFU alone refused about a third of them (a chain's tip is read once, by its next turn)
        assertEquals(List.of(), lost);
        assertTrue(cache.weightedBytes() <= (8L << 20), "the main cache keeps within its part of the bound");
    }

    private static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }
}
