package dev.baton.background;

import dev.baton.session.TenantId;

/** A background response, by its tenant and id: another tenant's id is simply another key. */
record RunKey(TenantId tenant, String id) {
}
