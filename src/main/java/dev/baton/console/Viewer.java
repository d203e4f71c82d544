package dev.baton.console;

import dev.baton.session.TenantId;

/**
 * Who looks at the console: an operator who sees every tenant ({@link #operator}), or one tenant through its own API
 * key, who sees exactly what that key sees over the API.
 *
 * @param tenant the tenant seen, or {@code null} for an operator
 * @param runsTurns whether the key also runs turns (the playground): a tenant's API key, or anyone where Baton is open
 */
public record Viewer(TenantId tenant, boolean runsTurns) {

    /** An operator: every tenant, by an operator key (no turns) or because Baton runs without keys (turns too). */
    static Viewer operator(boolean runsTurns) {
        return new Viewer(null, runsTurns);
    }

    static Viewer tenant(TenantId tenant) {
        return new Viewer(tenant, true);
    }

    public boolean seesEveryTenant() {
        return tenant == null;
    }

    /** Whether {@code other}'s state may be shown. */
    public boolean sees(TenantId other) {
        return tenant == null || tenant.equals(other);
    }
}
