package dev.baton.session;

/**
 * How a chain is routed to upstream engine replicas, stored with every response of the chain so
 * that each Baton replica routes its next turn the same way (prefix-cache affinity).
 *
 * @param key      the routing key: the chain's {@code prompt_cache_key}, else its first response id
 * @param endpoint the upstream endpoint that served the chain's first turn (its home), or {@code null}
 */
public record Affinity(String key, String endpoint) {
}
