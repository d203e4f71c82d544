package dev.baton.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.session.TenantId;
import org.junit.jupiter.api.Test;

/** A replica's own bucket: a minute's worth at once, then one turn per 60/N seconds, on an explicit clock. */
class LocalBucketsTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void holdsAMinutesWorthAndRefillsContinuously() {
        LocalBuckets buckets = new LocalBuckets();
        TenantId tenant = new TenantId("t");
        long now = 42 * SECOND;
        for (int i = 0; i < 60; i++) {
            assertEquals(0, buckets.take(tenant, 60, now), "turn " + i);
        }
        long wait = buckets.take(tenant, 60, now);
        assertTrue(wait > 990 && wait <= 1000, "one turn per second: wait " + wait + " ms");
        assertEquals(0, buckets.take(tenant, 60, now + SECOND), "a second later one turn is free");
        assertTrue(buckets.take(tenant, 60, now + SECOND) > 0, "and only one");
        assertEquals(0, buckets.take(new TenantId("other"), 60, now), "tenants do not share a bucket");
        for (int i = 0; i < 60; i++) {
            assertEquals(0, buckets.take(tenant, 60, now + 3600 * SECOND), "an hour later: full again, turn " + i);
        }
        assertTrue(buckets.take(tenant, 60, now + 3600 * SECOND) > 0, "never more than a minute's worth");
    }
}
