package dev.baton.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.baton.config.BatonConfig;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemReference;
import dev.baton.render.RenderedContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;

/**
 * Prefix reuse for full resends: the contexts of recent turns (after their output, stored or not), indexed by
 * tenant and the running digest of their items, so a request that re-sends a whole conversation finds the
 * longest context it starts with and renders only what follows — the same structurally shared nodes, the
 * same token-in prompt cache entry and upstream state as a chained turn. Items are compared by their canonical
 * rendering (ids and statuses aside); an item the request sends with an id must carry the id the context
 * holds, so {@code item_reference}s keep naming what the client sees. Only this replica's turns are indexed.
 *
 * <p>Bounded by the bytes the indexed contexts keep alive, counted as {@link HotCache} counts them: a shared
 * history is carried by the newest entry that extended it and handed back to its parent entry when that one
 * goes. Metrics: {@code baton_prefix_index_lookups_total{result}}, {@code baton_prefix_index_reused_items_total},
 * {@code cache_*{cache="baton_prefix_index"}}.
 */
@ApplicationScoped
public class PrefixIndex {

    /** Heap of one entry besides the context it carries: the key, its digest, the entry and cache node. */
    static final int ENTRY_BYTES = 256;

    /**
     * A cached context a request's items start with.
     *
     * @param context    the context, as the turn that produced it left it (its output included)
     * @param responseId the response that produced it: the parent a continuation of it names
     * @param affinity   that chain's routing, or {@code null}
     */
    public record Match(RenderedContext context, String responseId, Affinity affinity) {
    }

    private final Cache<Key, Entry> entries;
    private final boolean enabled;
    private final Counter hits;
    private final Counter misses;
    private final Counter reusedItems;

    @Inject
    public PrefixIndex(BatonConfig config, MeterRegistry registry) {
        this(config.render().prefixIndexBytes(), config.render().prefixIndexTtl(), registry);
    }

    public PrefixIndex(long maxBytes, Duration ttl, MeterRegistry registry) {
        this.enabled = maxBytes > 0;
        this.entries = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key key, Entry entry) -> (int) Math.min(Integer.MAX_VALUE, ENTRY_BYTES + entry.carried()))
                .expireAfter(new ExpireAfterAccess(ttl))
                .executor(Runnable::run) // upkeep on the writer's thread: no pool thread woken per turn
                .removalListener((Key key, Entry entry, RemovalCause cause) -> {
                    if (cause != RemovalCause.REPLACED && entry != null) {
                        handBack(entry);
                    }
                })
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(registry, entries, "baton_prefix_index");
        registry.gauge("baton_prefix_index_bytes", entries,
                c -> c.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L));
        this.hits = lookups(registry, "hit");
        this.misses = lookups(registry, "miss");
        this.reusedItems = Counter.builder("baton_prefix_index_reused_items_total")
                .description("Items of full resends served from an indexed context instead of being rendered again")
                .register(registry);
    }

    private static Counter lookups(MeterRegistry registry, String result) {
        return Counter.builder("baton_prefix_index_lookups_total").tag("result", result)
                .description("Requests without previous_response_id looked up in the prefix index").register(registry);
    }

    /**
     * The longest indexed context that {@code items} start with, or {@code null}. Costs one digest pass over the
     * items' canonical text and a lookup per item; the lookups stop at the first {@code item_reference}.
     */
    public Match longest(TenantId tenant, List<Item> items) {
        if (!enabled || items.isEmpty()) {
            return null;
        }
        MessageDigest sha = RenderedContext.sha256();
        byte[] running = RenderedContext.EMPTY.digest();
        Entry best = null;
        int matched = 0;
        for (int i = 0; i < items.size() && !(items.get(i) instanceof ItemReference); i++) {
            running = RenderedContext.nextDigest(sha, running, items.get(i));
            Entry found = entries.getIfPresent(new Key(tenant, running));
            if (found != null && found.tip().size() == i + 1) {
                best = found;
                matched = i + 1;
            }
        }
        if (best == null || !sameIds(best.tip(), items, matched)) {
            misses.increment();
            return null;
        }
        hits.increment();
        reusedItems.increment(matched);
        return new Match(best.tip(), best.responseId(), best.affinity());
    }

    /** Every item of the request that names an id names the one the context holds at its place. */
    private static boolean sameIds(RenderedContext tip, List<Item> items, int count) {
        RenderedContext node = tip;
        for (int i = count - 1; i >= 0; i--, node = node.previous()) {
            String id = items.get(i).id();
            if (id != null && !id.equals(node.last().id())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Indexes the context a turn ended with.
     *
     * @param base  the context the turn appended its input to (its parent's, a matched one, or empty)
     * @param after that context with the turn's input and output
     */
    public void remember(TenantId tenant, RenderedContext base, RenderedContext after, String responseId,
                         Affinity affinity) {
        if (!enabled || after.size() == 0) {
            return;
        }
        Key key = new Key(tenant, after.digest());
        // the same conversation again (a retried turn, a deterministic engine): the newest response is the one a
        // client re-sends, with its item ids; the older entry goes as an eviction would, handing back what it carried
        entries.invalidate(key);
        Key parentKey = base.size() == 0 ? null : new Key(tenant, base.digest());
        long[] carried = {base.retainedBytes()}; // nobody indexed is known to carry the base: carry it whole
        if (parentKey != null) {
            entries.asMap().computeIfPresent(parentKey, (k, parent) -> {
                if (parent.tip() != base) {
                    return parent; // equal items, other nodes: nothing shared
                }
                carried[0] = parent.carried();
                return parent.carried() == 0 ? parent : parent.carrying(0);
            });
        }
        long turnBytes = after.retainedBytes() - base.retainedBytes();
        entries.put(key, new Entry(after, responseId, affinity, parentKey, carried[0] + turnBytes));
    }

    /** Forgets everything: what a freshly started replica has. */
    public void clear() {
        entries.invalidateAll();
    }

    /** Removes the entry of one context, as an eviction would. */
    void forget(TenantId tenant, RenderedContext tip) {
        entries.invalidate(new Key(tenant, tip.digest()));
    }

    /** The bytes the index accounts for right now (after pending maintenance). */
    long weightedBytes() {
        entries.cleanUp();
        return entries.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    /** A removed carrier's history stays alive through its indexed parent, which carries it from now on. */
    private void handBack(Entry removed) {
        if (removed.parent() == null || removed.carried() == 0) {
            return;
        }
        entries.asMap().computeIfPresent(removed.parent(), (key, parent) -> {
            long returned = CarriedHistory.handedBack(removed.tip(), removed.carried(), parent.tip());
            return returned == 0 ? parent : parent.carrying(parent.carried() + returned);
        });
    }

    /** A tenant and a context digest (SHA-256, held as a buffer for its value equality). */
    private record Key(TenantId tenant, ByteBuffer digest) {
        Key(TenantId tenant, byte[] digest) {
            this(tenant, ByteBuffer.wrap(digest));
        }
    }

    private record Entry(RenderedContext tip, String responseId, Affinity affinity, Key parent, long carried) {
        Entry carrying(long bytes) {
            return new Entry(tip, responseId, affinity, parent, bytes);
        }
    }

    /** An entry lives a TTL after it was indexed or last matched. */
    private record ExpireAfterAccess(Duration ttl) implements Expiry<Key, Entry> {
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
            return ttl.toNanos();
        }
    }
}
