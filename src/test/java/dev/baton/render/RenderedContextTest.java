package dev.baton.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.FunctionCallOutputItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RenderedContextTest {

    private static Item randomItem(Random random, int n) {
        return switch (random.nextInt(4)) {
            case 0 -> new MessageItem("msg_" + n, null, "user", List.of(ContentPart.Text.input("user says " + random.nextInt())));
            case 1 -> new MessageItem("msg_" + n, "completed", "assistant", List.of(ContentPart.Text.output("héllo ✓ " + n)));
            case 2 -> new FunctionCallItem("fc_" + n, "completed", "call_" + n, "exec", "{\"n\":" + n + "}");
            default -> new FunctionCallOutputItem("fco_" + n, null, "call_" + n, TextNode.valueOf("out " + n));
        };
    }

    @Test
    void appendingInAnyGroupingEqualsAppendingAllAtOnce() {
        Random random = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            List<Item> items = new ArrayList<>();
            int size = random.nextInt(40);
            for (int i = 0; i < size; i++) {
                items.add(randomItem(random, i));
            }
            RenderedContext whole = RenderedContext.EMPTY.append(items);
            RenderedContext chained = RenderedContext.EMPTY;
            int from = 0;
            while (from < items.size()) {
                int to = Math.min(items.size(), from + 1 + random.nextInt(5));
                chained = chained.append(items.subList(from, to));
                from = to;
            }
            assertArrayEquals(whole.digest(), chained.digest());
            assertEquals(whole.tokens(), chained.tokens());
            assertEquals(whole.modelTurns(), chained.modelTurns());
            assertEquals(items, chained.items());
        }
    }

    @Test
    void idsAndStatusesDoNotChangeWhatTheEngineReads() {
        Item withIds = new FunctionCallItem("fc_1", "completed", "call_1", "exec", "{}");
        Item withoutIds = new FunctionCallItem(null, null, "call_1", "exec", "{}");
        assertArrayEquals(RenderedContext.EMPTY.append(List.of(withIds)).digest(),
                RenderedContext.EMPTY.append(List.of(withoutIds)).digest());
    }

    @Test
    void extendingAChainSharesItsHistory() {
        RenderedContext parent = RenderedContext.EMPTY.append(List.of(randomItem(new Random(1), 1), randomItem(new Random(2), 2)));
        RenderedContext child = parent.append(List.of(randomItem(new Random(3), 3)));
        RenderedContext sibling = parent.append(List.of(randomItem(new Random(4), 4)));
        assertSame(parent, child.previous());
        assertSame(parent, sibling.previous());
        assertEquals(3, child.size());
    }

    @Test
    void countsModelTurnsAsRunsOfModelItems() {
        List<Item> items = List.of(
                new MessageItem("m1", null, "user", List.of(ContentPart.Text.input("go"))),
                new FunctionCallItem("f1", null, "c1", "a", "{}"),
                new FunctionCallItem("f2", null, "c2", "b", "{}"),
                new FunctionCallOutputItem("o1", null, "c1", TextNode.valueOf("x")),
                new FunctionCallOutputItem("o2", null, "c2", TextNode.valueOf("y")),
                new MessageItem("m2", null, "assistant", List.of(ContentPart.Text.output("done"))));
        assertEquals(2, RenderedContext.EMPTY.append(items).modelTurns());
    }
}
