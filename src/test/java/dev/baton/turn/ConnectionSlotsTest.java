package dev.baton.turn;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.baton.protocol.ResponseObject;
import dev.baton.render.RenderedContext;
import dev.baton.session.SlotDirectory;
import dev.baton.session.StoredResponse;
import dev.baton.session.TenantId;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionSlotsTest {

    private static StoredResponse response(String id) {
        ResponseObject done = ResponseObject.builder(id, 0, "m").status(ResponseObject.COMPLETED).build();
        return StoredResponse.of(new TenantId("t"), done, List.of(), RenderedContext.EMPTY, 1, null);
    }

    @Test
    void aLaneFindsItsOwnLatestAndForksFromAnotherLanes() {
        ConnectionSlots slots = new ConnectionSlots(new SlotDirectory());
        StoredResponse a = response("resp_a");
        StoredResponse b = response("resp_b");
        slots.settle("", null, a);
        slots.settle("b", null, b);
        assertSame(a, slots.holding("", "resp_a"));
        assertSame(b, slots.holding("", "resp_b"), "a fork from another lane's slot");
        assertNull(slots.holding("", "resp_unknown"));
        assertNull(slots.holding("", null));
    }

    @Test
    void aFailedContinuationEvictsItsParentFromEveryLane() {
        ConnectionSlots slots = new ConnectionSlots(new SlotDirectory());
        StoredResponse a = response("resp_a");
        StoredResponse b = response("resp_b");
        slots.settle("", null, a);
        slots.settle("b", null, b);
        slots.settle("", b, null); // lane "" forked from b and failed: b is stale state on every lane
        assertNull(slots.holding("b", "resp_b"));
        assertSame(a, slots.holding("", "resp_a"), "the failing lane's own latest was not continued: it stays");
        slots.settle("", a, null); // lane "" continued its own latest and failed
        assertNull(slots.holding("", "resp_a"));
        StoredResponse c = response("resp_c");
        slots.settle("b", null, c);
        assertSame(c, slots.holding("b", "resp_c"));
        slots.evict("resp_c"); // a refused create naming it
        assertNull(slots.holding("b", "resp_c"));
    }
}
