package dev.baton.session;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.protocol.ContentPart;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemReference;
import dev.baton.protocol.MessageItem;
import dev.baton.render.RenderedContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Full resends find the longest context Baton already rendered, only their own tenant's, only when it is the same. */
class PrefixIndexTest {

    private static final TenantId TENANT = new TenantId("t");

    private final PrefixIndex index = new PrefixIndex(64L << 20, Duration.ofHours(1), new SimpleMeterRegistry());

    private static MessageItem message(String id, String role, String text) {
        String type = role.equals("user") ? "input_text" : "output_text";
        return new MessageItem(id, "completed", role, List.of(new ContentPart.Text(type, text, List.of())));
    }

    /** Turns of a chain, each indexed as the pipeline does: user in, assistant out. Returns the tips. */
    private List<RenderedContext> chain(TenantId tenant, String name, int turns) {
        List<RenderedContext> tips = new ArrayList<>();
        RenderedContext tip = RenderedContext.EMPTY;
        for (int t = 0; t < turns; t++) {
            RenderedContext after = tip.append(List.of(message("msg_u" + name + t, "user", name + " asks " + t),
                    message("msg_a" + name + t, "assistant", name + " answers " + t)));
            index.remember(tenant, tip, after, "resp_" + name + t, new Affinity("key_" + name, "e1"));
            tips.add(after);
            tip = after;
        }
        return tips;
    }

    /** What a client re-sends: the same items, user messages without ids (as sent), assistant ones with theirs. */
    private static List<Item> resend(RenderedContext context, Item... more) {
        List<Item> items = new ArrayList<>();
        for (Item item : context.items()) {
            MessageItem message = (MessageItem) item;
            items.add(message.role().equals("user") ? new MessageItem(null, null, "user", message.content()) : item);
        }
        items.addAll(List.of(more));
        return items;
    }

    @Test
    void aFullResendFindsTheLongestContextItStartsWith() {
        List<RenderedContext> tips = chain(TENANT, "a", 4);
        PrefixIndex.Match match = index.longest(TENANT, resend(tips.get(3), message(null, "user", "next")));
        assertSame(tips.get(3), match.context(), "the newest turn's own nodes are reused");
        assertEquals("resp_a3", match.responseId());
        assertEquals(new Affinity("key_a", "e1"), match.affinity());

        PrefixIndex.Match older = index.longest(TENANT, resend(tips.get(1), message(null, "user", "a retry")));
        assertSame(tips.get(1), older.context(), "an earlier turn re-sent with another question");
    }

    @Test
    void onlyTheSameItemsOfTheSameTenantMatch() {
        List<RenderedContext> tips = chain(TENANT, "b", 3);
        assertNull(index.longest(new TenantId("other"), resend(tips.get(2))), "another tenant's conversation");

        List<Item> edited = resend(tips.get(2));
        edited.set(2, message(null, "user", "b asks 1, edited"));
        PrefixIndex.Match match = index.longest(TENANT, edited);
        assertSame(tips.get(0), match.context(), "the turn before the edited item still matches");

        List<Item> renamed = resend(tips.get(2));
        renamed.set(1, message("msg_client_chosen", "assistant", "b answers 0"));
        assertNull(index.longest(TENANT, renamed), "an item sent with an id the context does not hold for it");
    }

    @Test
    void theSameConversationAgainIsFoundUnderItsNewestResponse() {
        List<RenderedContext> tips = chain(TENANT, "e", 1);
        // a retried turn: same question, same answer, new ids
        RenderedContext retried = RenderedContext.EMPTY.append(List.of(message("msg_retry_u", "user", "e asks 0"),
                message("msg_retry_a", "assistant", "e answers 0")));
        index.remember(TENANT, RenderedContext.EMPTY, retried, "resp_retry", null);
        PrefixIndex.Match match = index.longest(TENANT, resend(retried, message(null, "user", "next")));
        assertEquals("resp_retry", match.responseId());
        assertNull(index.longest(TENANT, resend(tips.get(0))), "the older answer's id is not the one the context holds");
    }

    @Test
    void matchingStopsAtTheFirstItemReference() {
        List<RenderedContext> tips = chain(TENANT, "c", 2);
        List<Item> items = resend(tips.get(1));
        items.add(1, new ItemReference("msg_uc0"));
        assertNull(index.longest(TENANT, items));
    }

    @Test
    void theBoundCountsAChainsSharedHistoryOnce() {
        PrefixIndex small = new PrefixIndex(1L << 20, Duration.ofHours(1), new SimpleMeterRegistry());
        RenderedContext tip = RenderedContext.EMPTY;
        String text = "y".repeat(2000);
        for (int t = 0; t < 100; t++) {
            RenderedContext after = tip.append(List.of(message("msg_u" + t, "user", text + t),
                    message("msg_a" + t, "assistant", text + t)));
            small.remember(TENANT, tip, after, "resp_" + t, null);
            tip = after;
        }
        long accounted = small.weightedBytes();
        assertTrue(accounted <= 1L << 20, "bounded: " + accounted);
        // 100 turns of ~8 KiB share one history of ~800 KiB: counted once, everything fits
        assertTrue(accounted >= tip.retainedBytes(), "the history is counted: " + accounted + " < " + tip.retainedBytes());
        assertSame(tip, small.longest(TENANT, resend(tip)).context());
        assertTrue(small.longest(TENANT, resend(tip.dropLast(100))) != null, "early turns are still indexed");
    }

    @Test
    void aRemovedCarrierHandsItsHistoryBackToItsParent() {
        List<RenderedContext> tips = chain(TENANT, "d", 3);
        long before = index.weightedBytes();
        assertTrue(before >= tips.get(2).retainedBytes());
        index.forget(TENANT, tips.get(2));
        // the removal listener runs on Caffeine's executor
        await().atMost(Duration.ofSeconds(10)).until(() -> index.weightedBytes() >= tips.get(1).retainedBytes());
        assertTrue(index.weightedBytes() < before, "the removed turn's own items are no longer counted");
    }

    @Test
    void aZeroBoundTurnsTheIndexOff() {
        PrefixIndex off = new PrefixIndex(0, Duration.ofHours(1), new SimpleMeterRegistry());
        RenderedContext after = RenderedContext.EMPTY.append(List.of(message("msg_1", "user", "hi")));
        off.remember(TENANT, RenderedContext.EMPTY, after, "resp_1", null);
        assertNull(off.longest(TENANT, after.items()));
    }
}
