package dev.baton.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.baton.config.BatonConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The replica's hot tier: a Caffeine cache bounded by bytes (each response weighs what it adds to
 * its chain), expiring after the store TTL. Metrics: {@code cache_*{cache="baton_hot_responses"}}.
 *
 * <p>A descendant keeps its ancestors' items alive through structural sharing even when the
 * ancestors themselves were evicted: continuing the descendant still works, fetching an evicted
 * ancestor by id does not (until a persistent tier backs this one).
 */
@ApplicationScoped
public class HotCache implements ChainStore {

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

    @Override
    public Uni<StoredResponse> load(TenantId tenant, String responseId) {
        return Uni.createFrom().item(cache.getIfPresent(new Key(tenant, responseId)));
    }

    @Override
    public Uni<Void> save(StoredResponse response) {
        cache.put(new Key(response.tenant(), response.id()), response);
        return Uni.createFrom().voidItem();
    }

    @Override
    public Uni<Boolean> delete(TenantId tenant, String responseId) {
        return Uni.createFrom().item(cache.asMap().remove(new Key(tenant, responseId)) != null);
    }

    private record Key(TenantId tenant, String responseId) {
    }
}
