package dev.baton.limits;

import dev.baton.session.TenantId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This replica's own turns-per-minute buckets, one per tenant, with the same rule as Redis's shared one
 * ({@code redis/turn_bucket.lua}): up to a minute's worth, refilled continuously.
 */
final class LocalBuckets {

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    private final Map<TenantId, Bucket> buckets = new ConcurrentHashMap<>();

    /** 0 when a turn was taken at {@code nowNanos}, else the milliseconds until one is free. */
    long take(TenantId tenant, int perMinute, long nowNanos) {
        double perNano = perMinute / 60e9;
        Bucket bucket = buckets.computeIfAbsent(tenant, key -> new Bucket(perMinute, nowNanos));
        synchronized (bucket) {
            bucket.tokens = Math.min(perMinute, bucket.tokens + Math.max(0, nowNanos - bucket.at) * perNano);
            bucket.at = Math.max(bucket.at, nowNanos);
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - bucket.tokens) / perNano / 1e6);
        }
    }
}
