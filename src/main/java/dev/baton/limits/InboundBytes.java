package dev.baton.limits;

import dev.baton.config.BatonConfig;
import dev.baton.session.TenantId;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of client input a replica holds before it is answered: HTTP request bodies from before they are
 * buffered until their response ends, WebSocket messages from arrival until their turn ends. Bounded per tenant
 * ({@code BATON_LIMITS_INBOUND_BYTES_PER_TENANT}) and for the replica ({@code BATON_LIMITS_INBOUND_BYTES}), so no
 * client can make a replica hold more than it has memory for: a reservation past either is refused, nothing held.
 * Thread-safe. Metrics: {@code baton_inbound_bytes} (held now), {@code baton_inbound_refusals_total{transport}}.
 */
@ApplicationScoped
public class InboundBytes {

    private final long replicaLimit;
    private final long tenantLimit;
    private final AtomicLong held = new AtomicLong();
    private final Map<TenantId, AtomicLong> byTenant = new ConcurrentHashMap<>();
    private final MeterRegistry metrics;

    @Inject
    public InboundBytes(BatonConfig config, MeterRegistry metrics) {
        this(config.limits().inboundBytes(), config.limits().inboundBytesPerTenant(), metrics);
    }

    public InboundBytes(long replicaLimit, long tenantLimit, MeterRegistry metrics) {
        this.replicaLimit = replicaLimit;
        this.tenantLimit = tenantLimit;
        this.metrics = metrics;
        Gauge.builder("baton_inbound_bytes", held, AtomicLong::get)
                .description("Bytes of client input (HTTP bodies, WebSocket messages) held until answered").register(metrics);
    }

    /** Reserves {@code bytes} for {@code tenant}; false, reserving nothing, when its or the replica's budget would pass. */
    public boolean tryReserve(TenantId tenant, long bytes, String transport) {
        AtomicLong tenantHeld = byTenant.computeIfAbsent(tenant, key -> new AtomicLong());
        if (tenantHeld.addAndGet(bytes) > tenantLimit) {
            tenantHeld.addAndGet(-bytes);
            refused(transport);
            return false;
        }
        if (held.addAndGet(bytes) > replicaLimit) {
            held.addAndGet(-bytes);
            tenantHeld.addAndGet(-bytes);
            refused(transport);
            return false;
        }
        return true;
    }

    /** Gives back what {@link #tryReserve} took. */
    public void release(TenantId tenant, long bytes) {
        if (bytes == 0) {
            return;
        }
        held.addAndGet(-bytes);
        AtomicLong tenantHeld = byTenant.get(tenant);
        if (tenantHeld != null) {
            tenantHeld.addAndGet(-bytes);
        }
    }

    /** Whether both {@code tenant}'s and the replica's holdings are below half their budgets (a paused source resumes). */
    public boolean roomy(TenantId tenant) {
        AtomicLong tenantHeld = byTenant.get(tenant);
        return held.get() < replicaLimit / 2 && (tenantHeld == null || tenantHeld.get() < tenantLimit / 2);
    }

    /** Bytes held now across the replica. */
    public long held() {
        return held.get();
    }

    public long replicaLimit() {
        return replicaLimit;
    }

    public long tenantLimit() {
        return tenantLimit;
    }

    private void refused(String transport) {
        metrics.counter("baton_inbound_refusals_total", "transport", transport).increment();
    }
}
