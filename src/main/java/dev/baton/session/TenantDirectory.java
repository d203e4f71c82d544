package dev.baton.session;

import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps API keys to tenants (PROTOCOL.md Part A.2). With no keys configured every caller is the
 * single {@link TenantId#OPEN} tenant and the {@code Authorization} header is ignored.
 */
@ApplicationScoped
public class TenantDirectory {

    private final Map<String, TenantId> tenantsByKey = new HashMap<>();

    public TenantDirectory(BatonConfig config) {
        for (String entry : config.apiKeys().orElse(List.of())) {
            String trimmed = entry.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            String key = eq < 0 ? trimmed : trimmed.substring(0, eq);
            String tenant = eq < 0 ? trimmed : trimmed.substring(eq + 1);
            tenantsByKey.put(key, new TenantId(tenant));
        }
    }

    /** The caller's tenant, or a 401 {@code invalid_api_key} failure. */
    public TenantId authenticate(String authorizationHeader) {
        if (tenantsByKey.isEmpty()) {
            return TenantId.OPEN;
        }
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiError.invalidApiKey().exception();
        }
        TenantId tenant = tenantsByKey.get(authorizationHeader.substring(7).strip());
        if (tenant == null) {
            throw ApiError.invalidApiKey().exception();
        }
        return tenant;
    }
}
