package dev.baton.limits;

import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.session.RedisTier;
import dev.baton.session.TenantDirectory;
import dev.baton.session.TenantId;
import dev.baton.session.TenantLimits;
import dev.baton.session.TieredChainStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Admits a tenant's turn before any work is done for it, against the tenant's {@link TenantLimits}: turns running at
 * once on this replica, and turns started per minute — a token bucket in Redis shared by every replica, or this
 * replica's own bucket without Redis (and while Redis does not answer, counted). A turn beyond either is refused with
 * 429 {@code rate_limit_exceeded} and the seconds to wait, before the engine, the safety stage or the store see it.
 * Metrics: {@code baton_turns_refused_total{reason,tenant}}, {@code baton_turn_bucket_fallbacks_total}.
 */
@ApplicationScoped
public class TurnAdmission {

    private static final Logger LOG = Logger.getLogger(TurnAdmission.class);

    private final TenantDirectory tenants;
    private final RedisTier redis;
    private final MeterRegistry metrics;
    private final LocalBuckets local = new LocalBuckets();
    private final Map<TenantId, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
    private final Counter fallbacks;

    @Inject
    public TurnAdmission(TenantDirectory tenants, TieredChainStore store, MeterRegistry metrics) {
        this(tenants, store.redis(), metrics);
    }

    /** Admission against {@code tenants}' limits; {@code redis} {@code null}: this replica's own buckets. */
    public TurnAdmission(TenantDirectory tenants, RedisTier redis, MeterRegistry metrics) {
        this.tenants = tenants;
        this.redis = redis;
        this.metrics = metrics;
        this.fallbacks = metrics.counter("baton_turn_bucket_fallbacks_total");
    }

    /** A turn admitted: running until {@link #release()} (idempotent), which every ending of the turn calls. */
    public static final class Ticket {
        private final AtomicInteger count;
        private final AtomicBoolean released = new AtomicBoolean();

        private Ticket(AtomicInteger count) {
            this.count = count;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                count.decrementAndGet();
            }
        }
    }

    /** Admits one turn of {@code tenant}, or fails with a 429 {@link ApiException} carrying its Retry-After. */
    public Uni<Ticket> admit(TenantId tenant) {
        TenantLimits limits = tenants.limits(tenant);
        AtomicInteger count = running.computeIfAbsent(tenant, key -> new AtomicInteger());
        if (count.incrementAndGet() > limits.maxInFlightTurns() && limits.maxInFlightTurns() > 0) {
            count.decrementAndGet();
            return refused(tenant, "in_flight", 1, "This API key's tenant has its maximum of "
                    + limits.maxInFlightTurns() + " turns running on this replica (BATON_LIMITS_MAX_IN_FLIGHT_TURNS or the"
                    + " keys file's max_in_flight_turns); retry when one has finished.");
        }
        Ticket ticket = new Ticket(count);
        if (limits.turnsPerMinute() == 0) {
            return Uni.createFrom().item(ticket);
        }
        return waitMillis(tenant, limits.turnsPerMinute()).flatMap(wait -> {
            if (wait == 0) {
                return Uni.createFrom().item(ticket);
            }
            ticket.release();
            return refused(tenant, "turns_per_minute", (int) Math.max(1, (wait + 999) / 1000),
                    "This API key's tenant started its " + limits.turnsPerMinute() + " turns of the last minute"
                            + " (BATON_LIMITS_TURNS_PER_MINUTE or the keys file's turns_per_minute); retry in "
                            + Math.max(1, (wait + 999) / 1000) + " s.");
        });
    }

    /** Turns of {@code tenant} running on this replica now. */
    public int running(TenantId tenant) {
        AtomicInteger count = running.get(tenant);
        return count == null ? 0 : count.get();
    }

    private Uni<Long> waitMillis(TenantId tenant, int perMinute) {
        if (redis == null) {
            return Uni.createFrom().item(local.take(tenant, perMinute, System.nanoTime()));
        }
        return redis.takeTurn(tenant, perMinute).onFailure().recoverWithItem(failure -> {
            fallbacks.increment();
            LOG.debugf("turn bucket in Redis unavailable (%s): this replica's own bucket decides", failure.getMessage());
            return local.take(tenant, perMinute, System.nanoTime());
        });
    }

    private <T> Uni<T> refused(TenantId tenant, String reason, int retryAfterSeconds, String message) {
        refusals.computeIfAbsent(reason + '\0' + tenant.value(), key -> Counter.builder("baton_turns_refused_total")
                .description("Turns refused before they ran because their tenant was beyond a limit")
                .tag("reason", reason).tag("tenant", tenant.value()).register(metrics)).increment();
        return Uni.createFrom().failure(new ApiException(ApiError.rateLimited(message), retryAfterSeconds));
    }
}
