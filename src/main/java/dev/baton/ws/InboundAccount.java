package dev.baton.ws;

import dev.baton.limits.InboundBytes;
import dev.baton.protocol.ApiError;
import dev.baton.session.TenantId;
import io.netty.channel.Channel;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * The bytes of messages one connection holds, from arrival until answered (parsed and refused, or its turn ended),
 * counted against the connection's own budget ({@code BATON_WS_MAX_INBOUND_BYTES}) and its tenant's and replica's
 * ({@link InboundBytes}). Past a budget the socket stops reading — TCP pushes back on the client — until half is
 * answered; a message read anyway is refused. A connection that holds nothing always takes one message. Lives on
 * the connection's event loop.
 */
final class InboundAccount {

    private final TenantId tenant;
    private final InboundBytes replica;
    private final long maxBytes;
    private final Channel channel; // null when the TCP connection is unknown: then only refusals bound it
    private final SocketMetrics metrics;
    private long held;
    private boolean paused;
    private boolean closed;

    InboundAccount(TenantId tenant, InboundBytes replica, long maxBytes, HttpConnection tcp, SocketMetrics metrics) {
        this.tenant = tenant;
        this.replica = replica;
        this.maxBytes = maxBytes;
        this.channel = tcp instanceof ConnectionBase base ? base.channel() : null;
        this.metrics = metrics;
    }

    /** Holds {@code bytes} of a message just read; or pauses reading and answers why it is refused. */
    ApiError admit(long bytes) {
        if (held > 0 && held + bytes > maxBytes) {
            pause();
            return SocketRefusals.inboundFull(maxBytes);
        }
        if (!replica.tryReserve(tenant, bytes, "websocket")) {
            pause();
            return ApiError.rateLimited("This replica holds its maximum of message bytes waiting for this tenant or in all"
                    + " (BATON_LIMITS_INBOUND_BYTES_PER_TENANT, BATON_LIMITS_INBOUND_BYTES); send it again once answers"
                    + " arrive.");
        }
        held += bytes;
        if (held >= maxBytes) {
            pause();
        }
        return null;
    }

    /** A held message was answered. */
    void release(long bytes) {
        if (closed) {
            return;
        }
        if (bytes > 0) {
            held -= bytes;
            replica.release(tenant, bytes);
        }
        resumeIfRoomy();
    }

    /** Reads again once the connection holds at most half its budget and its tenant and the replica have room. */
    void resumeIfRoomy() {
        if (paused && !closed && held <= maxBytes / 2 && replica.roomy(tenant)) {
            paused = false;
            if (channel != null) {
                channel.config().setAutoRead(true);
            }
        }
    }

    /** The connection is gone: everything it held is given back. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        replica.release(tenant, held);
        held = 0;
        if (paused && channel != null) {
            channel.config().setAutoRead(true); // the close handshake needs the peer's close frame read
        }
    }

    long held() {
        return held;
    }

    boolean paused() {
        return paused;
    }

    private void pause() {
        if (paused) {
            return;
        }
        paused = true;
        metrics.readPaused();
        if (channel != null) {
            channel.config().setAutoRead(false);
        }
    }
}
