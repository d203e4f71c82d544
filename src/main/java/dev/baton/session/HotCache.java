package dev.baton.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.baton.config.BatonConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The replica's hot tier: a Caffeine cache bounded by bytes (each response weighs what it adds to
 * its chain), expiring after the store TTL. Metrics: {@code cache_*{cache="baton_hot_responses"}}.
 *
 * <p>A descendant keeps its ancestors' items alive through structural sharing even when the
 * ancestors themselves were evicted: continuing the descendant still works; fetching an evicted
 * ancestor by id needs the Redis tier.
 */
@ApplicationScoped
public class HotCache {

    private final Cache<Key, StoredResponse> cache;

    public HotCache(BatonConfig config, MeterRegistry registry) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(config.store().hotCacheBytes())
                .weigher((Key key, StoredResponse value) -> value.weightBytes())
                .expireAfterWrite(config.store().ttl())
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(registry, cache, "baton_hot_responses");
        registry.gauge("baton_hot_cache_bytes", cache,
                c -> c.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L));
    }

    /** The cached response, or {@code null}. */
    public StoredResponse get(TenantId tenant, String responseId) {
        return cache.getIfPresent(new Key(tenant, responseId));
    }

    public void put(StoredResponse response) {
        cache.put(new Key(response.tenant(), response.id()), response);
    }

    /** True when the response was cached. */
    public boolean remove(TenantId tenant, String responseId) {
        return cache.asMap().remove(new Key(tenant, responseId)) != null;
    }

    /** Forgets everything: what a freshly started replica has. */
    public void clear() {
        cache.invalidateAll();
    }

    private record Key(TenantId tenant, String responseId) {
    }
}
