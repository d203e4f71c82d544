package dev.baton.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.config.Offload;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import dev.baton.store.RedisCalls;
import dev.baton.store.RedisUnavailable;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The replica's {@link ChainStore}: the hot cache first, then Redis when {@code BATON_REDIS_URL} is
 * set. Responses are immutable, so the tiers never need invalidation except on delete, which every
 * replica hears about through the {@link EvictionChannel}. When a save counts as done is the
 * {@link RedisWritePolicy}'s call.
 *
 * <p>Redis failures: loads of responses only Redis holds fail with 503 {@code state_unavailable};
 * a record that does not read back fails with 500 {@code state_corrupt}. Everything the hot cache
 * holds keeps working, and recovery is automatic.
 */
@ApplicationScoped
public class TieredChainStore implements ChainStore {

    private static final Logger LOG = Logger.getLogger(TieredChainStore.class);

    private final HotCache hot;
    private final RedisTier redis;
    private final RedisWritePolicy writes;
    private final EvictionChannel evictions;
    private final Counter corruptRecords;
    private final Counter hotHits;
    private final SlotDirectory slots;
    private final Counter redisHits;
    private final Counter misses;

    public TieredChainStore(HotCache hot, BatonConfig config, RedisCalls redisCalls,
                            ObjectMapper json, MeterRegistry metrics, Vertx vertx, Offload offload, SlotDirectory slots) {
        this.hot = hot;
        this.slots = slots;
        this.redis = redisCalls.enabled() ? new RedisTier(redisCalls, json, config, metrics, offload) : null;
        this.writes = redis == null ? null : new RedisWritePolicy(redis, config.redis(), metrics);
        this.evictions = redis == null ? null : new EvictionChannel(redis, hot, vertx);
        this.hotHits = metrics.counter("baton_store_hits_total", "tier", "hot");
        this.redisHits = metrics.counter("baton_store_hits_total", "tier", "redis");
        this.misses = metrics.counter("baton_store_misses_total");
        this.corruptRecords = Counter.builder("baton_redis_corrupt_records_total")
                .description("Loads that met a Redis record or checkpoint Baton could not read back").register(metrics);
    }

    /** Whether a Redis tier backs this replica. */
    public boolean redisEnabled() {
        return redis != null;
    }

    /** The Redis tier, or {@code null} without one. */
    public RedisTier redis() {
        return redis;
    }

    /** True while this replica demonstrably hears deletes published by the others. */
    public boolean hearsEvictions() {
        return evictions != null && evictions.hears();
    }

    @Override
    public Uni<StoredResponse> load(TenantId tenant, String responseId) {
        StoredResponse cached = hot.get(tenant, responseId);
        if (cached != null) {
            hotHits.increment();
            return Uni.createFrom().item(cached);
        }
        if (redis == null) {
            misses.increment();
            return Uni.createFrom().nullItem();
        }
        return redis.load(tenant, responseId, ancestorId -> hot.get(tenant, ancestorId))
                .onFailure(RedisUnavailable.class).transform(TieredChainStore::stateUnavailable)
                .onFailure(ResponseCodec.CorruptRecord.class).transform(failure -> stateCorrupt(tenant, responseId, failure))
                .invoke(found -> {
                    if (found == null) {
                        misses.increment();
                    } else {
                        redisHits.increment();
                        hot.put(found);
                    }
                });
    }

    /**
     * Where a response lives now, for the console's inspector: it is read like {@link #load} but counts no hit or miss
     * and caches nothing (a response only Redis holds is read as a load reads it, which refreshes its chain's TTL as
     * any read of it does). Redis unreachable: what this replica holds, with {@link Located#redisUnavailable()}.
     */
    public Uni<Located> locate(TenantId tenant, String responseId) {
        StoredResponse cached = hot.peek(tenant, responseId);
        int inSlots = slots.slotsHolding(tenant, responseId);
        StoredResponse local = cached != null ? cached : slots.held(tenant, responseId);
        Located.Tier hotTier = cached != null ? Located.Tier.HOT : Located.Tier.NONE;
        if (redis == null) {
            return Uni.createFrom().item(local == null ? null
                    : new Located(local, hotTier, Located.Tier.NONE, inSlots));
        }
        return redis.holds(tenant, responseId)
                .flatMap(inRedis -> {
                    Located.Tier shared = inRedis ? Located.Tier.REDIS : Located.Tier.NONE;
                    if (local != null) {
                        return Uni.createFrom().item(new Located(local, hotTier, shared, inSlots));
                    }
                    if (!inRedis) {
                        return Uni.createFrom().<Located>nullItem();
                    }
                    return redis.load(tenant, responseId, ancestorId -> hot.peek(tenant, ancestorId))
                            .map(found -> found == null ? null : new Located(found, Located.Tier.NONE, shared, 0));
                })
                .onFailure(RedisUnavailable.class).recoverWithItem(() -> local == null
                        ? new Located(null, Located.Tier.NONE, Located.Tier.UNAVAILABLE, 0)
                        : new Located(local, hotTier, Located.Tier.UNAVAILABLE, inSlots))
                .onFailure(ResponseCodec.CorruptRecord.class).transform(failure -> stateCorrupt(tenant, responseId, failure));
    }

    /**
     * A response and the tiers holding it.
     *
     * @param response the response, or {@code null} when Redis could not be asked and this replica holds none
     * @param local    {@link Located.Tier#HOT} when this replica's hot cache holds it, else {@link Located.Tier#NONE}
     * @param shared   {@link Located.Tier#REDIS}, {@link Located.Tier#NONE} (not there, or no Redis tier) or
     *                 {@link Located.Tier#UNAVAILABLE}
     * @param connectionSlots how many WebSocket connections of this replica hold it in a slot
     */
    public record Located(StoredResponse response, Tier local, Tier shared, int connectionSlots) {

        public enum Tier { HOT, REDIS, NONE, UNAVAILABLE }

        public boolean redisUnavailable() {
            return shared == Tier.UNAVAILABLE;
        }
    }

    @Override
    public Uni<Void> save(StoredResponse response) {
        if (redis == null) {
            hot.put(response);
            return Uni.createFrom().voidItem();
        }
        return writes.save(response, () -> hot.put(response))
                .onFailure(RedisWritePolicy.NotDurable.class).transform(failure -> stateUnavailable(failure.getCause()));
    }

    @Override
    public Uni<Boolean> delete(TenantId tenant, String responseId) {
        boolean wasHot = hot.remove(tenant, responseId);
        if (redis == null) {
            return Uni.createFrom().item(wasHot);
        }
        return redis.delete(tenant, responseId)
                .call(deleted -> evictions.publish(tenant, responseId))
                .map(deleted -> deleted || wasHot)
                .onFailure().transform(TieredChainStore::stateUnavailable);
    }

    void start(@Observes StartupEvent start) {
        if (evictions != null) {
            evictions.start();
        }
    }

    void stop(@Observes ShutdownEvent stop) {
        if (evictions != null) {
            evictions.stop();
        }
    }

    /** A record that does not read back is a storage fault: counted, logged with its id, a 500 for the client. */
    private RuntimeException stateCorrupt(TenantId tenant, String responseId, Throwable failure) {
        corruptRecords.increment();
        LOG.errorf("the stored chain of %s (tenant %s) is corrupt: %s", responseId, tenant.value(), failure.getMessage());
        return new ApiError(500, ApiError.SERVER_ERROR, "state_corrupt", null,
                "The stored state of response '" + responseId + "' cannot be read; resend the full input without "
                        + "previous_response_id.").exception();
    }

    private static RuntimeException stateUnavailable(Throwable failure) {
        if (failure instanceof ApiException api) {
            return api;
        }
        if (failure instanceof RedisUnavailable unavailable && unavailable.reason() == RedisUnavailable.Reason.BUSY) {
            return unavailable.toClient("conversation state"); // not logged per call, a burst would flood the log
        }
        LOG.warnf("state store unavailable: %s", failure.getMessage());
        return new ApiError(503, ApiError.SERVER_ERROR, "state_unavailable", null,
                "The conversation state store is unreachable; retry shortly, or resend the full input without "
                        + "previous_response_id.").exception();
    }
}
