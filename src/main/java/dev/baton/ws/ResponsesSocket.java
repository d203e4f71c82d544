package dev.baton.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.limits.InboundBytes;
import dev.baton.session.SlotDirectory;
import dev.baton.turn.ConnectionSlots;
import dev.baton.session.TenantDirectory;
import dev.baton.session.TenantId;
import dev.baton.conversation.Conversations;
import dev.baton.protocol.EventEncoder;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import org.jboss.logging.Logger;

/**
 * The WebSocket mode on {@code GET /v1/responses} (transport only): one {@link SocketSession} per
 * connection, driven on the connection's event loop. Authentication happens before the upgrade
 * (see {@code http.ResponsesRoutes}); here the tenant is read again from the handshake.
 */
@WebSocket(path = "/v1/responses")
public class ResponsesSocket {

    private static final UserData.TypedKey<SocketSession> SESSION = new UserData.TypedKey<>("baton.session");
    private static final UserData.TypedKey<TenantId> TENANT = new UserData.TypedKey<>("baton.tenant");

    private final Conversations conversations;
    private final TenantDirectory tenants;
    private final ObjectMapper json;
    private final BatonConfig config;
    private final SocketMetrics metrics;
    private final Vertx vertx;
    private final UpgradeGate gate;
    private final Drain drain;
    private final SocketCounts sockets;
    private final InboundBytes inbound;
    private final EventEncoder encoder;
    private final SlotDirectory slotDirectory;
    private static final Logger LOG = Logger.getLogger(ResponsesSocket.class);

    public ResponsesSocket(Conversations conversations, TenantDirectory tenants, ObjectMapper json, BatonConfig config,
                           SocketMetrics metrics, Vertx vertx, UpgradeGate gate, Drain drain, SocketCounts sockets,
                           InboundBytes inbound, SlotDirectory slotDirectory) {
        this.inbound = inbound;
        this.slotDirectory = slotDirectory;
        this.encoder = new EventEncoder(json);
        this.sockets = sockets;
        this.conversations = conversations;
        this.tenants = tenants;
        this.json = json;
        this.config = config;
        this.metrics = metrics;
        this.vertx = vertx;
        this.gate = gate;
        this.drain = drain;
    }

    @OnOpen
    Uni<Void> open(WebSocketConnection connection) {
        Context context = Vertx.currentContext();
        long keysGeneration = tenants.generation(); // before authenticating: a reload in between is checked again
        TenantId tenant = tenants.authenticate(connection.handshakeRequest().header("Authorization"));
        HttpConnection tcp = gate.claim(connection.handshakeRequest().remoteAddress());
        if (!(tcp instanceof ConnectionBase base)) { // every upgrade passes the gate: this is a defect, not a client's fault
            LOG.errorf("WebSocket connection %s has no TCP connection to write on; closing it", connection.id());
            return connection.close(new CloseReason(1011, "internal error"));
        }
        sockets.opened(tenant);
        connection.userData().put(TENANT, tenant);
        String extensions = connection.handshakeRequest().header("Sec-WebSocket-Extensions");
        OutboundQueue outbound = new OutboundQueue(base.channel(),
                extensions != null && extensions.contains("permessage-deflate"), config.ws().compressFromBytes(),
                config.ws().outboundQueueBytes(), metrics);
        SocketSession session = new SocketSession(connection, tenant,
                context, conversations, json, config.ws(), config.render().inlineMaxBytes() / 2, metrics, tcp, outbound,
                encoder, tenants.keyFingerprint(connection.handshakeRequest().header("Authorization")), keysGeneration,
                inbound, new ConnectionSlots(slotDirectory));
        connection.userData().put(SESSION, session);
        drain.opened(session);
        metrics.connections(1);
        long ageTimer = vertx.setTimer(Math.max(1, config.ws().maxAge().toMillis()),
                fired -> context.runOnContext(ignored -> session.onAgeLimit()));
        long checkEvery = Math.max(10, Math.min(1000, config.ws().sendDeadline().toMillis() / 4));
        long deadlineTimer = vertx.setPeriodic(checkEvery, tick -> context.runOnContext(ignored -> {
            session.checkSendDeadline();
            session.checkKey(tenants);
            session.resumeReadingIfRoomy();
        }));
        session.whenClosed(() -> {
            drain.closed(session);
            metrics.connections(-1);
            sockets.closed(tenant);
            vertx.cancelTimer(ageTimer);
            vertx.cancelTimer(deadlineTimer);
        });
        return Uni.createFrom().voidItem();
    }

    @OnTextMessage
    Uni<Void> text(String frame, WebSocketConnection connection) {
        connection.userData().get(SESSION).onText(frame);
        return Uni.createFrom().voidItem();
    }

    @OnBinaryMessage
    Uni<Void> binary(Buffer frame, WebSocketConnection connection) {
        connection.userData().get(SESSION).onBinary();
        return Uni.createFrom().voidItem();
    }

    @OnClose
    Uni<Void> close(WebSocketConnection connection) {
        SocketSession session = connection.userData().get(SESSION);
        if (session != null) {
            session.onClosed(); // releases what the connection held, unless the session closed it already
            return Uni.createFrom().voidItem();
        }
        TenantId tenant = connection.userData().get(TENANT);
        if (tenant != null) { // refused before its session existed
            sockets.closed(tenant);
        }
        return Uni.createFrom().voidItem();
    }
}
