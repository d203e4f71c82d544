package dev.baton.ws;

import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import dev.baton.session.TenantDirectory;
import dev.baton.session.TenantId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * Open WebSocket connections of this replica, per tenant and in all, against {@code BATON_WS_MAX_SOCKETS_PER_TENANT}
 * and {@code BATON_WS_MAX_SOCKETS}: an upgrade beyond either is refused with 429 {@code rate_limit_exceeded} and a
 * {@code Retry-After} before any 101, so one tenant cannot hold every socket of a replica. Checked at the upgrade and
 * counted when the socket opens: a burst of simultaneous upgrades can pass the bound by the upgrades in flight.
 * Refusals: {@code baton_ws_refused_upgrades_total{reason}}.
 */
@ApplicationScoped
public class SocketCounts {

    /** Seconds a refused client is told to wait. */
    static final int RETRY_AFTER_SECONDS = 5;

    private final ToIntFunction<TenantId> perTenant;
    private final int perReplica;
    private final Map<TenantId, AtomicInteger> byTenant = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final Counter tenantRefusals;
    private final Counter replicaRefusals;

    @Inject
    public SocketCounts(BatonConfig config, TenantDirectory tenants, MeterRegistry metrics) {
        this(tenant -> tenants.limits(tenant).maxSockets(), config.ws().maxSockets(), metrics);
    }

    SocketCounts(ToIntFunction<TenantId> perTenant, int perReplica, MeterRegistry metrics) {
        this.perTenant = perTenant;
        this.perReplica = perReplica;
        this.tenantRefusals = metrics.counter("baton_ws_refused_upgrades_total", "reason", "tenant_sockets");
        this.replicaRefusals = metrics.counter("baton_ws_refused_upgrades_total", "reason", "replica_sockets");
    }

    /** Why an upgrade of {@code tenant} is refused now, or {@code null} when it may open. */
    ApiError refusal(TenantId tenant) {
        if (total.get() >= perReplica) {
            replicaRefusals.increment();
            return ApiError.rateLimited("This replica holds its maximum of " + perReplica
                    + " WebSocket connections (BATON_WS_MAX_SOCKETS); connect again shortly, possibly to another replica.");
        }
        AtomicInteger open = byTenant.get(tenant);
        int allowed = perTenant.applyAsInt(tenant);
        if (open != null && open.get() >= allowed) {
            tenantRefusals.increment();
            return ApiError.rateLimited("This API key's tenant holds its maximum of " + allowed
                    + " WebSocket connections on this replica (BATON_WS_MAX_SOCKETS_PER_TENANT or the keys file's"
                    + " max_sockets); close one or retry shortly.");
        }
        return null;
    }

    void opened(TenantId tenant) {
        total.incrementAndGet();
        byTenant.computeIfAbsent(tenant, key -> new AtomicInteger()).incrementAndGet();
    }

    void closed(TenantId tenant) {
        total.decrementAndGet();
        byTenant.computeIfPresent(tenant, (key, open) -> open.decrementAndGet() <= 0 ? null : open);
    }
}
