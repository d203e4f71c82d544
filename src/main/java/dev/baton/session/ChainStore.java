package dev.baton.session;

import io.smallrye.mutiny.Uni;

/**
 * Where finished {@code store=true} responses live, shared by every connection of the replica (and,
 * with Redis, by every replica). Responses are immutable, so a stored value never changes; only
 * {@link #delete} removes it. Every lookup is scoped by tenant: another tenant's id is absent.
 */
public interface ChainStore {

    /** The response, or a {@code null} item when this tenant has no such response. */
    Uni<StoredResponse> load(TenantId tenant, String responseId);

    /** Completes once the response is durable at the configured level. */
    Uni<Void> save(StoredResponse response);

    /** True when something was deleted. */
    Uni<Boolean> delete(TenantId tenant, String responseId);
}
