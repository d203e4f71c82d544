package dev.baton.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.limits.InboundBytes;
import dev.baton.protocol.ApiError;
import dev.baton.session.TenantId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The per-connection inbound budget: its refusals, its pause and resume, and what it gives back. */
class InboundAccountTest {

    private static final TenantId TENANT = new TenantId("t");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InboundBytes replica = new InboundBytes(1000, 500, registry);

    @Test
    void aConnectionPastItsBudgetPausesAndRefusesUntilHalfIsAnswered() {
        InboundAccount account = new InboundAccount(TENANT, replica, 100, null, new SocketMetrics(registry));
        assertNull(account.admit(60));
        assertFalse(account.paused());
        assertNull(account.admit(40));
        assertTrue(account.paused(), "at its budget the socket stops reading");
        ApiError refused = account.admit(10);
        assertEquals("websocket_queue_full", refused.code());
        assertEquals(100, replica.held(), "a refused message holds nothing");
        account.release(40);
        assertTrue(account.paused(), "60 held: more than half the budget");
        account.release(60);
        assertFalse(account.paused());
        assertEquals(0, replica.held());
    }

    @Test
    void aConnectionHoldingNothingTakesOneMessageLargerThanItsBudget() {
        InboundAccount account = new InboundAccount(TENANT, replica, 100, null, new SocketMetrics(registry));
        assertNull(account.admit(300));
        assertTrue(account.paused());
        assertEquals("websocket_queue_full", account.admit(1).code());
    }

    @Test
    void theTenantsAndTheReplicasBudgetsBindEveryConnection() {
        InboundAccount first = new InboundAccount(TENANT, replica, 400, null, new SocketMetrics(registry));
        InboundAccount second = new InboundAccount(TENANT, replica, 400, null, new SocketMetrics(registry));
        assertNull(first.admit(300));
        ApiError refused = second.admit(300);
        assertEquals("rate_limit_exceeded", refused.code(), "the tenant's 500 bytes are spoken for");
        assertTrue(second.paused());
        assertNull(new InboundAccount(new TenantId("other"), replica, 400, null, new SocketMetrics(registry)).admit(300));
        first.close();
        assertEquals(300, replica.held(), "a closed connection gives back all it held");
        second.resumeIfRoomy();
        assertFalse(second.paused(), "the tenant and the replica have room again");
        first.release(300);
        assertEquals(300, replica.held(), "nothing is given back twice");
        assertEquals(1.0, registry.counter("baton_inbound_refusals_total", "transport", "websocket").count());
    }
}
