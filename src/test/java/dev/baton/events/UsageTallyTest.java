package dev.baton.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UsageTallyTest {

    private static UsageEvent event(String id, String tenant, String transport, long input, long cached) {
        return new UsageEvent(id, tenant, "m", transport, null, input, cached, 10, 0, 5L, 120L, 20, "completed", 0, null);
    }

    @Test
    void sumsPerTenantAndTransport() {
        UsageTally tally = new UsageTally();
        tally.record(event("resp_1", "alpha", "websocket", 100, 80));
        tally.record(event("resp_2", "alpha", "http", 50, 0));
        tally.record(event("resp_3", "beta", "websocket", 10, 0));
        assertEquals(new UsageTally.Sums(1, 100, 80, 10), tally.ofTenant("alpha").get("websocket"));
        assertEquals(2, tally.byTenant().get("alpha").size());
        assertEquals(1, tally.byTenant().get("beta").get("websocket").responses());
        assertTrue(tally.ofTenant("gamma").isEmpty());
    }

    @Test
    void keepsTheLatestResponsesInARingNewestFirst() {
        UsageTally tally = new UsageTally();
        for (int i = 0; i < UsageTally.RECENT_KEPT + 10; i++) {
            tally.record(event("resp_" + i, "alpha", "http", 1, 0));
        }
        assertNull(tally.recent("resp_5"), "pushed out of the ring");
        assertNotNull(tally.recent("resp_" + (UsageTally.RECENT_KEPT + 9)));
        assertEquals("resp_" + (UsageTally.RECENT_KEPT + 9), tally.latest(3).get(0).responseId());
        assertEquals(UsageTally.RECENT_KEPT, tally.latest(Integer.MAX_VALUE).size());
    }

    @Test
    void tellsApartABoundedNumberOfTenants() {
        UsageTally tally = new UsageTally();
        for (int i = 0; i < UsageTally.MAX_TENANTS + 5; i++) {
            tally.record(event("resp_" + i, "tenant-" + i, "http", 1, 0));
        }
        assertEquals(UsageTally.MAX_TENANTS + 1, tally.byTenant().size(), "the rest under one name");
        assertEquals(5, tally.byTenant().get(UsageTally.OTHER_TENANTS).get("http").responses());
        tally.record(event("resp_x", "tenant-0", "http", 1, 0));
        assertEquals(2, tally.ofTenant("tenant-0").get("http").responses(), "a known tenant stays told apart");
    }
}
