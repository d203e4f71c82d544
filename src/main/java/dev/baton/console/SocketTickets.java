package dev.baton.console;

import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.session.Ids;
import dev.baton.session.TenantId;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * One-time tickets that let the console's playground open a WebSocket with a tenant's API key: a browser cannot put
 * an {@code Authorization} header on a WebSocket, so the console (which can, on a fetch) asks for a ticket and opens
 * {@code /v1/responses?ticket=…}; the upgrade then runs exactly as if it carried the key, revocation included. A ticket
 * lives {@value #LIFETIME_MILLIS} ms, opens one socket, and at most {@value #MAX_OUTSTANDING} are outstanding.
 */
@ApplicationScoped
public class SocketTickets {

    static final long LIFETIME_MILLIS = 30_000;
    static final int MAX_OUTSTANDING = 256;
    /** Outstanding tickets of one tenant: it cannot take every ticket. */
    static final int MAX_PER_TENANT = 16;

    /** @param tenant the tenant it stands for ({@code null} where Baton is open): what the per-key cap counts */
    private record Ticket(String authorization, TenantId tenant, long expiresAt) {
    }

    private final Map<String, Ticket> outstanding = new LinkedHashMap<>();
    private final LongSupplier clock;

    public SocketTickets() {
        this(() -> System.nanoTime() / 1_000_000); // monotonic: a wall-clock step must not expire or revive tickets
    }

    SocketTickets(LongSupplier clock) {
        this.clock = clock;
    }

    /** A ticket standing for {@code authorization} (the viewer's own {@code Authorization} header). */
    public synchronized String issue(Viewer viewer, String authorization) {
        if (!viewer.runsTurns() || authorization == null) {
            throw new ApiError(403, ApiError.INVALID_REQUEST, "console_key_runs_no_turns", null,
                    "An operator key (BATON_CONSOLE_KEYS) runs no turns: use a tenant's API key in the playground.")
                    .exception();
        }
        long now = clock.getAsLong();
        dropExpired(now);
        // counted by tenant, not by the header's spelling ("bearer", extra spaces): one tenant cannot take them all
        long ofTenant = outstanding.values().stream().filter(t -> Objects.equals(t.tenant(), viewer.tenant())).count();
        if (outstanding.size() >= MAX_OUTSTANDING || ofTenant >= MAX_PER_TENANT) {
            throw new ApiException(ApiError.rateLimited("Too many playground sockets are being opened at once on this"
                    + " replica; retry in a few seconds."), 5);
        }
        String ticket = "tkt_" + Ids.request().substring(4) + Ids.request().substring(4); // 256 random bits
        outstanding.put(ticket, new Ticket(authorization, viewer.tenant(), now + LIFETIME_MILLIS));
        return ticket;
    }

    /** The {@code Authorization} header the ticket stands for, once; {@code null} for an unknown or expired one. */
    public synchronized String redeem(String ticket) {
        Ticket found = outstanding.remove(ticket);
        return found == null || found.expiresAt() < clock.getAsLong() ? null : found.authorization();
    }

    private void dropExpired(long now) {
        for (Iterator<Ticket> it = outstanding.values().iterator(); it.hasNext(); ) {
            if (it.next().expiresAt() < now) {
                it.remove();
            } else {
                break; // issued in order, with one lifetime: the rest expire later
            }
        }
    }
}
