package dev.baton.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.config.Offload;
import dev.baton.protocol.ApiError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The replica's {@link ChainStore}: the hot cache first, then Redis when {@code BATON_REDIS_URL} is
 * set. Responses are immutable, so the tiers never need invalidation except on delete, which every
 * replica hears about over Redis pub/sub.
 *
 * <p>Durability: with {@code sync} (default) a response is acknowledged by Redis before
 * {@link #save} completes, so a client that saw {@code response.completed} can resume anywhere. With
 * {@code async} the write happens after; a replica lost in between loses those turns on other
 * replicas (bounded by {@code max-pending-writes}, never queued beyond it).
 *
 * <p>Redis failures: loads of responses only Redis holds fail with 503 {@code state_unavailable};
 * writes are retried {@code write-attempts} times, then (by {@code on-write-failure}) either kept on
 * this replica only and counted, or failing the turn. Everything the hot cache holds keeps working,
 * and recovery is automatic.
 */
@ApplicationScoped
public class TieredChainStore implements ChainStore {

    private static final Logger LOG = Logger.getLogger(TieredChainStore.class);
    private static final long HEARTBEAT_MILLIS = 1_000;

    private final HotCache hot;
    private final RedisTier redis;
    private final boolean synchronous;
    private final boolean failOnWriteFailure;
    private final int writeAttempts;
    private final int maxPendingWrites;
    private final AtomicInteger pendingWrites = new AtomicInteger();
    private final MeterRegistry metrics;
    private final Counter droppedWrites;
    private final Counter corruptRecords;
    private final Vertx vertx;
    private volatile boolean subscribed;
    private volatile long lastHeartbeatNanos;
    private long resubscribeTimer = -1;
    private final String heartbeat = "heartbeat\n" + Ids.request();

    public TieredChainStore(HotCache hot, BatonConfig config, Instance<ReactiveRedisDataSource> redisClient,
                            ObjectMapper json, MeterRegistry metrics, Vertx vertx, Offload offload) {
        this.hot = hot;
        this.redis = config.redis().url().isPresent() ? new RedisTier(redisClient.get(), json, config, metrics, offload) : null;
        this.synchronous = !"async".equalsIgnoreCase(config.redis().durability());
        this.failOnWriteFailure = "fail".equalsIgnoreCase(config.redis().onWriteFailure());
        this.writeAttempts = Math.max(1, config.redis().writeAttempts());
        this.maxPendingWrites = config.redis().maxPendingWrites();
        this.metrics = metrics;
        this.vertx = vertx;
        this.droppedWrites = metrics.counter("baton_redis_dropped_writes_total");
        this.corruptRecords = Counter.builder("baton_redis_corrupt_records_total")
                .description("Loads that met a Redis record or checkpoint Baton could not read back").register(metrics);
        metrics.gauge("baton_redis_pending_writes", pendingWrites);
    }

    /** Whether a Redis tier backs this replica. */
    public boolean redisEnabled() {
        return redis != null;
    }

    /** The Redis tier, or {@code null} without one. */
    public RedisTier redis() {
        return redis;
    }

    @Override
    public Uni<StoredResponse> load(TenantId tenant, String responseId) {
        StoredResponse cached = hot.get(tenant, responseId);
        if (cached != null) {
            metrics.counter("baton_store_hits_total", "tier", "hot").increment();
            return Uni.createFrom().item(cached);
        }
        if (redis == null) {
            metrics.counter("baton_store_misses_total").increment();
            return Uni.createFrom().nullItem();
        }
        return redis.load(tenant, responseId)
                .onFailure(RedisTier.RedisUnavailable.class).transform(failure -> stateUnavailable(failure))
                .onFailure(ResponseCodec.CorruptRecord.class).transform(failure -> stateCorrupt(tenant, responseId, failure))
                .invoke(found -> {
                    if (found == null) {
                        metrics.counter("baton_store_misses_total").increment();
                    } else {
                        metrics.counter("baton_store_hits_total", "tier", "redis").increment();
                        hot.put(found);
                    }
                });
    }

    @Override
    public Uni<Void> save(StoredResponse response) {
        if (redis == null) {
            hot.put(response);
            return Uni.createFrom().voidItem();
        }
        if (synchronous) {
            return write(response).invoke(() -> hot.put(response))
                    .onFailure().recoverWithUni(failure -> {
                        if (failOnWriteFailure) {
                            return Uni.createFrom().failure(stateUnavailable(failure));
                        }
                        droppedWrites.increment();
                        LOG.warnf("Redis write of %s failed after %d attempts; keeping it on this replica only: %s",
                                response.id(), writeAttempts, failure.getMessage());
                        hot.put(response);
                        return Uni.createFrom().voidItem();
                    });
        }
        hot.put(response);
        if (pendingWrites.incrementAndGet() > maxPendingWrites) {
            pendingWrites.decrementAndGet();
            droppedWrites.increment();
            LOG.warnf("dropped the Redis write of %s: %d writes pending", response.id(), maxPendingWrites);
            return Uni.createFrom().voidItem();
        }
        write(response).onTermination().invoke(pendingWrites::decrementAndGet).subscribe().with(ok -> {
        }, failure -> {
            droppedWrites.increment();
            LOG.warnf("lost the Redis write of %s after %d attempts: %s", response.id(), writeAttempts, failure.getMessage());
        });
        return Uni.createFrom().voidItem();
    }

    private Uni<Void> write(StoredResponse response) {
        return redis.save(response).onFailure().retry()
                .withBackOff(Duration.ofMillis(50), Duration.ofMillis(500)).atMost(writeAttempts - 1L);
    }

    @Override
    public Uni<Boolean> delete(TenantId tenant, String responseId) {
        boolean wasHot = hot.remove(tenant, responseId);
        if (redis == null) {
            return Uni.createFrom().item(wasHot);
        }
        return redis.delete(tenant, responseId)
                .call(deleted -> redis.publishEviction(tenant, responseId))
                .map(deleted -> deleted || wasHot)
                .onFailure().transform(failure -> stateUnavailable(failure));
    }

    void subscribe(@Observes StartupEvent start) {
        if (redis != null) {
            trySubscribe();
            resubscribeTimer = vertx.setPeriodic(HEARTBEAT_MILLIS, tick -> keepSubscribed());
        }
    }

    void stop(@Observes ShutdownEvent stop) {
        if (resubscribeTimer >= 0) {
            vertx.cancelTimer(resubscribeTimer);
        }
    }

    /**
     * A subscription can die silently with its connection (Redis restart, network loss), and deletes
     * published meanwhile would never reach this replica's hot cache. So the replica publishes a
     * heartbeat to itself every second and renews the subscription when it stops hearing it.
     */
    private void keepSubscribed() {
        if (subscribed && System.nanoTime() - lastHeartbeatNanos > 3 * HEARTBEAT_MILLIS * 1_000_000L) {
            LOG.warnf("no heartbeat on %s: renewing the subscription", redis.evictionChannel());
            subscribed = false;
        }
        if (!subscribed) {
            trySubscribe();
            return;
        }
        redis.dataSource().pubsub(String.class).publish(redis.evictionChannel(), heartbeat)
                .subscribe().with(ok -> {
                }, failure -> LOG.debugf("heartbeat not published: %s", failure.getMessage()));
    }

    /** True while this replica demonstrably hears its eviction channel (its own heartbeat came back lately). */
    public boolean hearsEvictions() {
        return subscribed && System.nanoTime() - lastHeartbeatNanos < HEARTBEAT_MILLIS * 1_500_000L;
    }

    private void trySubscribe() {
        // the subscription dies with its connection (Redis restart, network loss): the timer renews it
        redis.dataSource().pubsub(String.class).subscribe(redis.evictionChannel(), this::onEviction,
                        () -> subscribed = false, failure -> subscribed = false)
                .subscribe().with(subscriber -> {
                            lastHeartbeatNanos = System.nanoTime();
                            subscribed = true;
                        },
                        failure -> LOG.warnf("cannot subscribe to %s yet: %s", redis.evictionChannel(), failure.getMessage()));
    }

    private void onEviction(String message) {
        if (message.equals(heartbeat)) {
            lastHeartbeatNanos = System.nanoTime();
            return;
        }
        int newline = message.indexOf('\n');
        if (newline > 0) {
            hot.remove(new TenantId(message.substring(0, newline)), message.substring(newline + 1));
        }
    }

    /** A record that does not read back is a storage fault: counted, logged with its key, a 500 for the client. */
    private RuntimeException stateCorrupt(TenantId tenant, String responseId, Throwable failure) {
        corruptRecords.increment();
        LOG.errorf("the stored chain of %s (tenant %s) is corrupt: %s", responseId, tenant.value(), failure.getMessage());
        return new ApiError(500, ApiError.SERVER_ERROR, "state_corrupt", null,
                "The stored state of response '" + responseId + "' cannot be read; resend the full input without "
                        + "previous_response_id.").exception();
    }

    private static RuntimeException stateUnavailable(Throwable failure) {
        if (failure instanceof dev.baton.protocol.ApiException api) {
            return api;
        }
        LOG.warnf("state store unavailable: %s", failure.getMessage());
        return new ApiError(503, ApiError.SERVER_ERROR, "state_unavailable", null,
                "The conversation state store is unreachable; retry shortly, or resend the full input without "
                        + "previous_response_id.").exception();
    }
}
