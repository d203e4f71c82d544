package dev.baton.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.baton.config.BatonConfig;
import dev.baton.render.RenderedContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * The replica's hot tier: a Caffeine cache bounded by the bytes its entries keep alive, expiring after
 * the store TTL. Metrics: {@code cache_*{cache="baton_hot_responses"}}, {@code baton_hot_cache_bytes}.
 *
 * <p>Contexts are structurally shared: a response's context is its parent's plus the turn's items. So
 * the bytes of a shared history are <em>carried</em> by exactly one entry of the chain, the newest one
 * that extended it: a new child takes over what its cached parent carried, and an evicted carrier
 * (or deleted) carrier hands its history back to its cached parent. A context that shares nothing with a cached parent (a
 * chain loaded cold from Redis, a child of a {@code store=false} parent held by a connection) is
 * carried whole by its entry. The weights therefore follow what the cache actually keeps alive, and
 * the byte bound holds for cold working sets too.
 *
 * <p>Each tenant's entries are also counted apart: beyond the tenant's share ({@code BATON_LIMITS_HOT_CACHE_BYTES_PER_TENANT}
 * or the keys file's {@code hot_cache_bytes}) that tenant's oldest entries leave, so one tenant's burst of chains
 * cannot evict everyone else's ({@code baton_hot_cache_tenant_evictions_total{tenant}}).
 *
 * <p>Limit of the estimate: when a carrier is evicted while its parent is not cached but an older
 * ancestor is, that ancestor's part of the history is no longer counted until a descendant is cached again.
 */
@ApplicationScoped
public class HotCache {

    /** Heap of a cached response besides its context: the response object, its lists, the entry. */
    static final int RESPONSE_BYTES = 1024;

    /** The part of the byte bound kept for the newest entries ({@link RecentEntries}): one eighth. */
    private static final int RECENT_SHARE = 8;

    private final Cache<Key, Entry> cache;
    private final RecentEntries recent;
    private final Counter recentHits;
    private final ToLongFunction<TenantId> tenantShare;
    private final Map<TenantId, TenantEntries> byTenant = new ConcurrentHashMap<>();
    private final MeterRegistry registry;

    @Inject
    public HotCache(BatonConfig config, TenantDirectory tenants, MeterRegistry registry) {
        this(config.store().hotCacheBytes(), tenant -> tenants.limits(tenant).hotCacheBytes(), config.store().ttl(),
                registry);
    }

    HotCache(long maxBytes, Duration ttl, MeterRegistry registry) {
        this(maxBytes, tenant -> 0, ttl, registry);
    }

    /** {@code tenantShare}: the bytes one tenant's entries may weigh, 0 for no share of its own. */
    HotCache(long maxBytes, ToLongFunction<TenantId> tenantShare, Duration ttl, MeterRegistry registry) {
        this.tenantShare = tenantShare;
        this.registry = registry;
        this.recent = new RecentEntries(maxBytes / RECENT_SHARE);
        this.recentHits = Counter.builder("baton_hot_cache_recent_hits_total")
                .description("Hot-cache lookups answered by the newest entries after the main cache had not admitted them")
                .register(registry);
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes - maxBytes / RECENT_SHARE)
                .weigher((Key key, Entry entry) -> (int) Math.min(Integer.MAX_VALUE, entry.weight()))
                .expireAfter(new ExpireAfterCreate(ttl))
                .executor(Runnable::run) // removals are counted before the call that caused them returns
                .removalListener((Key key, Entry entry, RemovalCause cause) -> {
                    if (cause != RemovalCause.REPLACED && entry != null) {
                        tenant(key.tenant()).removed(key.responseId(), entry.weight());
                        handBack(entry);
                    }
                })
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(registry, cache, "baton_hot_responses");
        registry.gauge("baton_hot_cache_bytes", cache,
                c -> c.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L));
    }

    /** The cached response, or {@code null}. */
    public StoredResponse get(TenantId tenant, String responseId) {
        Key key = new Key(tenant, responseId);
        Entry entry = cache.getIfPresent(key);
        if (entry != null) {
            return entry.response();
        }
        StoredResponse newest = recent.get(key);
        if (newest != null) {
            recentHits.increment();
        }
        return newest;
    }

    /** The cached response, or {@code null}, without counting a hit or a miss: for the console's inspector. */
    public StoredResponse peek(TenantId tenant, String responseId) {
        Key key = new Key(tenant, responseId);
        Entry entry = cache.policy().getIfPresentQuietly(key); // no stats, and no say in what is evicted
        return entry != null ? entry.response() : recent.get(key);
    }

    /** Caches a response; one already cached stays as it is (responses are immutable). */
    public void put(StoredResponse response) {
        if (cache.asMap().containsKey(key(response))) {
            return;
        }
        RenderedContext context = response.context();
        if (context == null) {
            add(key(response), new Entry(response, response.weightBytes(), 0));
            return;
        }
        int added = response.inputItems().size() + response.response().output().size();
        RenderedContext before = context.dropLast(added);
        long turnBytes = context.retainedBytes() - before.retainedBytes();
        long[] takenOver = {before.retainedBytes()}; // nobody cached is known to carry the history: carry it whole
        String parentId = response.chainParentId();
        if (parentId != null) {
            cache.asMap().computeIfPresent(new Key(response.tenant(), parentId), (key, parent) -> {
                if (parent.response().context() != before) {
                    return parent; // the same items, but other objects (rebuilt from Redis): nothing shared
                }
                takenOver[0] = parent.carried();
                if (parent.carried() == 0) {
                    return parent;
                }
                tenant(key.tenant()).reweighed(-parent.carried());
                return parent.carrying(0);
            });
        }
        add(key(response), new Entry(response, RESPONSE_BYTES, takenOver[0] + turnBytes));
    }

    private void add(Key key, Entry entry) {
        recent.add(key, entry.response(), entry.weight());
        TenantEntries entries = tenant(key.tenant());
        entries.added(key.responseId(), entry.weight());
        Entry replaced = cache.asMap().put(key, entry);
        if (replaced != null) {
            entries.reweighed(-replaced.weight());
        }
        long share = tenantShare.applyAsLong(key.tenant());
        if (share > 0) {
            keepWithin(key.tenant(), entries, share);
        }
    }

    /** Evicts the tenant's oldest entries until what they weigh is within its share. */
    private void keepWithin(TenantId tenant, TenantEntries entries, long share) {
        String oldest;
        while (entries.bytes() > share && (oldest = entries.oldest()) != null) {
            if (cache.asMap().remove(new Key(tenant, oldest)) == null) {
                entries.forget(oldest); // already gone (expired, evicted concurrently)
            }
            entries.evictions(registry, tenant).increment();
        }
    }

    /** The bytes {@code tenant}'s entries weigh now. */
    long tenantBytes(TenantId tenant) {
        TenantEntries entries = byTenant.get(tenant);
        return entries == null ? 0 : entries.bytes();
    }

    private TenantEntries tenant(TenantId tenant) {
        return byTenant.computeIfAbsent(tenant, key -> new TenantEntries());
    }

    /** True when the response was cached. */
    public boolean remove(TenantId tenant, String responseId) {
        Key key = new Key(tenant, responseId);
        boolean newest = recent.remove(key);
        return cache.asMap().remove(key) != null || newest;
    }

    /** Forgets everything: what a freshly started replica has. */
    public void clear() {
        recent.clear();
        cache.invalidateAll();
    }

    /** The bytes the cache accounts for right now (after pending maintenance). */
    long weightedBytes() {
        cache.cleanUp();
        return cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    /** An evicted carrier's history stays alive through its cached parent, which carries it from now on. */
    private void handBack(Entry evicted) {
        RenderedContext context = evicted.response().context();
        String parentId = evicted.response().chainParentId();
        if (context == null || parentId == null || evicted.carried() == 0) {
            return;
        }
        cache.asMap().computeIfPresent(new Key(evicted.response().tenant(), parentId), (key, parent) -> {
            long returned = CarriedHistory.handedBack(context, evicted.carried(), parent.response().context());
            if (returned == 0) {
                return parent;
            }
            tenant(key.tenant()).reweighed(returned);
            return parent.carrying(parent.carried() + returned);
        });
    }

    private static Key key(StoredResponse response) {
        return new Key(response.tenant(), response.id());
    }

    private record Key(TenantId tenant, String responseId) {
    }

    /**
     * The newest entries, whatever Caffeine admits. Its W-TinyLFU policy favours entries read often, but a chain's newest
     * response is read once — by the chain's next turn — so under pressure a response written a moment ago could be
     * refused admission and its next turn miss (measured: 38% of new small entries lost among large ones). The newest
     * entries, up to an eighth of the byte bound (taken from the main cache's), therefore stay here in write order.
     */
    private static final class RecentEntries {
        private final LinkedHashMap<Key, StoredResponse> entries = new LinkedHashMap<>();
        private final Map<Key, Long> weights = new java.util.HashMap<>();
        private final long maxBytes;
        private long bytes;

        RecentEntries(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        synchronized void add(Key key, StoredResponse response, long weight) {
            if (weight > maxBytes) {
                return;
            }
            remove(key);
            entries.put(key, response);
            weights.put(key, weight);
            bytes += weight;
            var oldest = entries.keySet().iterator();
            while (bytes > maxBytes && oldest.hasNext()) {
                Key dropped = oldest.next();
                oldest.remove();
                bytes -= weights.remove(dropped);
            }
        }

        synchronized StoredResponse get(Key key) {
            return entries.get(key);
        }

        synchronized boolean remove(Key key) {
            Long weight = weights.remove(key);
            if (weight == null) {
                return false;
            }
            entries.remove(key);
            bytes -= weight;
            return true;
        }

        synchronized void clear() {
            entries.clear();
            weights.clear();
            bytes = 0;
        }
    }

    /** One tenant's cached entries, oldest first, and what they weigh together. */
    private static final class TenantEntries {
        private final LinkedHashMap<String, Boolean> order = new LinkedHashMap<>();
        private long bytes;
        private Counter evictions;

        synchronized void added(String responseId, long weight) {
            order.put(responseId, Boolean.TRUE);
            bytes += weight;
        }

        synchronized void removed(String responseId, long weight) {
            order.remove(responseId);
            bytes -= weight;
        }

        synchronized void reweighed(long delta) {
            bytes += delta;
        }

        synchronized void forget(String responseId) {
            order.remove(responseId);
        }

        synchronized long bytes() {
            return bytes;
        }

        synchronized String oldest() {
            return order.isEmpty() ? null : order.keySet().iterator().next();
        }

        synchronized Counter evictions(MeterRegistry registry, TenantId tenant) {
            if (evictions == null) {
                evictions = Counter.builder("baton_hot_cache_tenant_evictions_total")
                        .description("Hot-cache entries evicted because their tenant was beyond its share")
                        .tag("tenant", tenant.value()).register(registry);
            }
            return evictions;
        }
    }

    /** A cached response and the bytes it accounts for: its own, and the part of its context it carries. */
    private record Entry(StoredResponse response, long own, long carried) {
        long weight() {
            return own + carried;
        }

        Entry carrying(long bytes) {
            return new Entry(response, own, bytes);
        }
    }

    /** Expires an entry a TTL after it was first cached; re-weighing it does not extend its life. */
    private record ExpireAfterCreate(Duration ttl) implements Expiry<Key, Entry> {
        @Override
        public long expireAfterCreate(Key key, Entry value, long currentTime) {
            return ttl.toNanos();
        }

        @Override
        public long expireAfterUpdate(Key key, Entry value, long currentTime, long currentDuration) {
            return currentDuration;
        }

        @Override
        public long expireAfterRead(Key key, Entry value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
