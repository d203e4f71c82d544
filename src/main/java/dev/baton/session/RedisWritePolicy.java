package dev.baton.session;

import dev.baton.config.BatonConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * When a finished response counts as saved (BATON_REDIS_DURABILITY, BATON_REDIS_ON_WRITE_FAILURE).
 *
 * <p>With {@code sync} (default) Redis acknowledges a response before the save completes, so a client that
 * saw {@code response.completed} can resume anywhere. With {@code async} the write happens after; a replica
 * lost in between loses those turns on other replicas (bounded by {@code max-pending-writes}, never queued
 * beyond it). Writes are retried {@code write-attempts} times, then (by {@code on-write-failure}) either
 * kept on this replica only and counted ({@code degrade}), or failing the turn ({@code fail}).
 */
final class RedisWritePolicy {

    private static final Logger LOG = Logger.getLogger(RedisWritePolicy.class);

    /** The save could not reach Redis, and the policy says the turn must fail. */
    static final class NotDurable extends RuntimeException {
        NotDurable(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    private final RedisTier redis;
    private final boolean synchronous;
    private final boolean failOnWriteFailure;
    private final int writeAttempts;
    private final int maxPendingWrites;
    private final AtomicInteger pendingWrites = new AtomicInteger();
    private final Counter droppedWrites;

    RedisWritePolicy(RedisTier redis, BatonConfig.Redis config, MeterRegistry metrics) {
        this.redis = redis;
        this.synchronous = !"async".equalsIgnoreCase(config.durability());
        this.failOnWriteFailure = "fail".equalsIgnoreCase(config.onWriteFailure());
        this.writeAttempts = Math.max(1, config.writeAttempts());
        this.maxPendingWrites = config.maxPendingWrites();
        this.droppedWrites = metrics.counter("baton_redis_dropped_writes_total");
        metrics.gauge("baton_redis_pending_writes", pendingWrites);
    }

    /**
     * Saves {@code response} in Redis as the policy says; {@code keepHot} runs once the response may be served
     * from this replica (after the acknowledgement with {@code sync}, at once with {@code async}).
     *
     * @return completes when the response counts as saved; fails with {@link NotDurable} under {@code fail}
     */
    Uni<Void> save(StoredResponse response, Runnable keepHot) {
        if (synchronous) {
            return write(response).invoke(keepHot)
                    .onFailure().recoverWithUni(failure -> {
                        if (failOnWriteFailure) {
                            return Uni.createFrom().failure(new NotDurable(failure));
                        }
                        droppedWrites.increment();
                        LOG.warnf("Redis write of %s failed after %d attempts; keeping it on this replica only: %s",
                                response.id(), writeAttempts, failure.getMessage());
                        keepHot.run();
                        return Uni.createFrom().voidItem();
                    });
        }
        keepHot.run();
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
}
