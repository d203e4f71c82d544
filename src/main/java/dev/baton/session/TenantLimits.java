package dev.baton.session;

import dev.baton.config.BatonConfig;

/**
 * What one tenant may use: the configured defaults ({@code BATON_LIMITS_*}, {@code BATON_WS_MAX_SOCKETS_PER_TENANT}),
 * or its own from the keys file. 0 means no limit for every field but {@code maxSockets}.
 *
 * @param maxSockets       open WebSocket connections on one replica
 * @param maxInFlightTurns turns running at once on one replica
 * @param turnsPerMinute   turns started per minute across replicas
 * @param hotCacheBytes    bytes of its chains the hot cache keeps on one replica
 */
public record TenantLimits(int maxSockets, int maxInFlightTurns, int turnsPerMinute, long hotCacheBytes) {

    public static TenantLimits defaults(BatonConfig config) {
        BatonConfig.Limits limits = config.limits();
        return new TenantLimits(config.ws().maxSocketsPerTenant(), limits.maxInFlightTurns(), limits.turnsPerMinute(),
                limits.hotCacheBytesPerTenant());
    }
}
