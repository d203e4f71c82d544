package dev.baton.ws;

import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.session.TenantDirectory;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs before the WebSocket upgrade on {@code /v1/responses}: refuses a bad bearer key with a JSON
 * 401 before any 101 (PROTOCOL.md Part A.2), and an upgrade beyond the socket limits ({@link SocketCounts}) with a
 * JSON 429, and remembers the TCP connection so that a session can
 * drop it when a close frame can no longer be delivered (a reader that stopped reading).
 */
@ApplicationScoped
public class UpgradeGate {

    private static final long UNCLAIMED_MILLIS = 30_000;

    private final TenantDirectory tenants;
    private final Vertx vertx;
    private final Drain drain;
    private final SocketCounts sockets;
    private final Map<String, HttpConnection> upgrading = new ConcurrentHashMap<>();

    public UpgradeGate(TenantDirectory tenants, Vertx vertx, Drain drain, SocketCounts sockets) {
        this.sockets = sockets;
        this.tenants = tenants;
        this.vertx = vertx;
        this.drain = drain;
    }

    void register(@Observes Router router) {
        router.route("/v1/responses").order(-20).handler(this::gate);
    }

    private void gate(RoutingContext ctx) {
        if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
            ctx.next();
            return;
        }
        try {
            if (drain.draining()) {
                throw new ApiError(503, ApiError.SERVER_ERROR, "server_draining",
                        null, "This replica is shutting down; connect again to reach another one.").exception();
            }
            ApiError limited = sockets.refusal(tenants.authenticate(ctx.request().getHeader("Authorization")));
            if (limited != null) {
                ctx.response().putHeader("retry-after", Integer.toString(SocketCounts.RETRY_AFTER_SECONDS));
                throw limited.exception();
            }
        } catch (ApiException e) {
            ctx.response().setStatusCode(e.error().status()).putHeader("content-type", "application/json")
                    .end(Buffer.buffer("{\"error\":{\"message\":\"" + e.error().message() + "\",\"type\":\""
                            + e.error().type() + "\",\"param\":null,\"code\":\"" + e.error().code() + "\"}}"));
            return;
        }
        // the socket's own peer address (never a forwarded one): unique among open TCP connections
        HttpConnection tcp = ctx.request().connection();
        String key = tcp.remoteAddress().toString();
        upgrading.put(key, tcp);
        // a later connection from the same address and port (this one closed) keeps its entry
        vertx.setTimer(UNCLAIMED_MILLIS, expired -> upgrading.remove(key, tcp));
        ctx.next();
    }

    /**
     * The TCP connection of an upgraded socket, by its remote address; each is claimed once. Null when none
     * is open under that address: the session then closes rather than write on another client's connection.
     */
    HttpConnection claim(String remoteAddress) {
        return remoteAddress == null ? null : upgrading.remove(remoteAddress);
    }
}
