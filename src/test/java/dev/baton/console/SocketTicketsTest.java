package dev.baton.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.baton.protocol.ApiException;
import dev.baton.session.TenantId;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SocketTicketsTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final SocketTickets tickets = new SocketTickets(now::get);
    private final Viewer alpha = Viewer.tenant(new TenantId("alpha"));

    @Test
    void aTicketStandsForItsKeyOnceAndNotAfterItsLifetime() {
        String ticket = tickets.issue(alpha, "Bearer sk-alpha");
        assertNotEquals(ticket, tickets.issue(alpha, "Bearer sk-alpha"), "unguessable, never repeated");
        assertEquals("Bearer sk-alpha", tickets.redeem(ticket));
        assertNull(tickets.redeem(ticket), "one socket per ticket");

        String late = tickets.issue(alpha, "Bearer sk-alpha");
        now.addAndGet(SocketTickets.LIFETIME_MILLIS + 1);
        assertNull(tickets.redeem(late));
        assertNull(tickets.redeem("tkt_made_up"));
    }

    @Test
    void outstandingTicketsAreBoundedPerTenantAndInAllAndExpiredOnesMakeRoom() {
        for (int i = 0; i < SocketTickets.MAX_PER_TENANT; i++) {
            tickets.issue(alpha, "Bearer sk-alpha");
        }
        assertEquals(429, assertThrows(ApiException.class, () -> tickets.issue(alpha, "bearer   sk-alpha")).error()
                .status(), "one tenant cannot take every ticket, however its header is spelled");
        for (int i = SocketTickets.MAX_PER_TENANT; i < SocketTickets.MAX_OUTSTANDING; i++) {
            tickets.issue(Viewer.tenant(new TenantId("tenant-" + i)), "Bearer sk-" + i);
        }
        ApiException full = assertThrows(ApiException.class,
                () -> tickets.issue(Viewer.tenant(new TenantId("another")), "Bearer sk-another"));
        assertEquals(429, full.error().status());
        now.addAndGet(SocketTickets.LIFETIME_MILLIS + 1);
        tickets.issue(alpha, "Bearer sk-alpha"); // the expired ones left
    }

    @Test
    void anOperatorKeyGetsNoTicket() {
        ApiException refused = assertThrows(ApiException.class, () -> tickets.issue(Viewer.operator(false), "Bearer op"));
        assertEquals(403, refused.error().status());
    }
}
