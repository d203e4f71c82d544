package dev.baton.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.BatonConfig;
import dev.baton.console.ChainInspector;
import dev.baton.console.ConsoleAccess;
import dev.baton.console.ConsoleAssets;
import dev.baton.console.LandingPage;
import dev.baton.console.LiveFigures;
import dev.baton.console.SocketTickets;
import dev.baton.console.Viewer;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.session.Ids;
import dev.baton.session.TenantId;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The web console's HTTP surface (docs/console.md): {@code GET /} (the landing page), the console's pages and static
 * files under {@code /console}, and its JSON API under {@code /console/api} — the live figures (once, or as a
 * server-sent event stream) and the chain inspector. Transport only: {@link ConsoleAccess} decides who sees what.
 * With {@code BATON_CONSOLE_ENABLED=false} none of these routes exist.
 */
@ApplicationScoped
public class ConsoleRoutes {

    private static final String VIEWER = "baton.console.viewer";
    /** A {@code Host} header that is safe to echo into the landing page's examples. */
    private static final Pattern SAFE_HOST = Pattern.compile("[A-Za-z0-9.\\-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}](:[0-9]{1,5})?");
    private static final String PAGE_SECURITY = "default-src 'self'; connect-src 'self'; img-src 'self' data:;"
            + " style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private final BatonConfig config;
    private final ConsoleAccess access;
    private final LiveFigures live;
    private final ChainInspector inspector;
    private final LandingPage landing;
    private final HttpReplies replies;
    private final SocketTickets tickets;
    private final ConsoleAssets assets;

    public ConsoleRoutes(BatonConfig config, ConsoleAccess access, LiveFigures live, ChainInspector inspector,
                         LandingPage landing, HttpReplies replies, SocketTickets tickets, ConsoleAssets assets) {
        this.assets = assets;
        this.tickets = tickets;
        this.config = config;
        this.access = access;
        this.live = live;
        this.inspector = inspector;
        this.landing = landing;
        this.replies = replies;
    }

    void register(@Observes Router router) {
        if (!config.console().enabled()) {
            return;
        }
        router.route("/v1/responses").order(-30).handler(this::admitTicket); // before the upgrade gate authenticates
        router.get("/").handler(this::landing);
        router.get("/console").handler(ctx -> page(ctx, "index.html"));
        router.get("/console/").handler(ctx -> page(ctx, "index.html"));
        router.get("/console/live").handler(ctx -> page(ctx, "index.html"));
        router.get("/console/chains").handler(ctx -> page(ctx, "index.html"));
        router.get("/console/chains/:id").handler(ctx -> page(ctx, "index.html"));
        router.get("/console/playground").handler(ctx -> page(ctx, "index.html"));
        router.get("/console/assets/:file").handler(ctx -> page(ctx, ctx.pathParam("file")));
        router.route("/console/api/*").handler(this::admit);
        router.get("/console/api/overview").handler(this::overview);
        router.get("/console/api/live").handler(ctx -> replies.ok(ctx, live.figure(viewer(ctx))));
        router.get("/console/api/live/stream").handler(this::liveStream);
        router.get("/console/api/chains/:id").handler(this::chain);
        router.get("/console/api/turns/:id").handler(this::turn);
        router.post("/console/api/socket-tickets").handler(ctx -> replies.ok(ctx, replies.json().createObjectNode()
                .put("ticket", tickets.issue(viewer(ctx), ctx.request().getHeader("Authorization")))));
        router.route("/console/api/*").failureHandler(ctx -> replies.fail(ctx,
                ctx.failure() != null ? ctx.failure() : new IllegalStateException("status " + ctx.statusCode())));
    }

    /**
     * The playground's WebSocket: a browser cannot send {@code Authorization} on an upgrade, so a one-time {@code ticket}
     * from {@code POST /console/api/socket-tickets} stands for the key it was issued for — only on an upgrade of
     * {@code /v1/responses} without a key of its own. An unknown, used or expired ticket is a 401.
     */
    private void admitTicket(RoutingContext ctx) {
        String ticket = ctx.request().getParam("ticket");
        if (ticket == null || ctx.request().getHeader("Authorization") != null
                || !"websocket".equalsIgnoreCase(ctx.request().getHeader("upgrade"))) {
            ctx.next();
            return;
        }
        String authorization = tickets.redeem(ticket);
        if (authorization == null) {
            replies.fail(ctx, new ApiError(401, ApiError.INVALID_REQUEST, "invalid_api_key", "ticket",
                    "The socket ticket is unknown, used or expired (a ticket lives 30 s and opens one socket).")
                    .exception());
            return;
        }
        ctx.request().headers().set("Authorization", authorization);
        ctx.next();
    }

    private void landing(RoutingContext ctx) {
        String host = ctx.request().getHeader("host");
        String base = (ctx.request().isSSL() ? "https://" : "http://")
                + (host != null && SAFE_HOST.matcher(host).matches() ? host : "localhost");
        securePage(ctx.response(), "text/html; charset=utf-8").end(landing.render(base));
    }

    private void page(RoutingContext ctx, String file) {
        ConsoleAssets.Asset asset = "landing.html".equals(file) ? null : assets.get(file);
        if (asset == null) {
            ctx.next(); // an unknown file: the router's 404, in the OpenAI envelope
            return;
        }
        securePage(ctx.response(), asset.contentType()).end(Buffer.buffer(asset.bytes()));
    }

    private static HttpServerResponse securePage(HttpServerResponse response, String contentType) {
        return response.putHeader("content-type", contentType)
                .putHeader("cache-control", "no-cache")
                .putHeader("content-security-policy", PAGE_SECURITY)
                .putHeader("x-content-type-options", "nosniff")
                .putHeader("referrer-policy", "no-referrer")
                .putHeader("x-frame-options", "DENY");
    }

    /** Every console API call: a request id, and the viewer its key stands for (or 401). */
    private void admit(RoutingContext ctx) {
        String requestId = Ids.request();
        ctx.put(HttpReplies.REQUEST_ID, requestId);
        ctx.response().putHeader("x-request-id", requestId).putHeader("cache-control", "no-store");
        try {
            ctx.put(VIEWER, access.viewer(ctx.request().getHeader("Authorization")));
            ctx.next();
        } catch (RuntimeException e) {
            replies.fail(ctx, e);
        }
    }

    private static Viewer viewer(RoutingContext ctx) {
        return ctx.get(VIEWER);
    }

    private void overview(RoutingContext ctx) {
        Viewer viewer = viewer(ctx);
        ObjectNode body = live.identity(viewer);
        ObjectNode you = body.putObject("viewer");
        you.put("open", access.open()).put("sees_every_tenant", viewer.seesEveryTenant())
                .put("runs_turns", viewer.runsTurns());
        you.put("tenant", viewer.tenant() == null ? null : viewer.tenant().value());
        replies.ok(ctx, body);
    }

    private void chain(RoutingContext ctx) {
        Viewer viewer = viewer(ctx);
        TenantId tenant = viewer.tenant();
        if (tenant == null) {
            String asked = ctx.request().getParam("tenant");
            tenant = asked == null || asked.isBlank() ? TenantId.OPEN : new TenantId(asked.strip());
        }
        int limit = HttpReplies.intParam(ctx, "limit", 50, 1, ChainInspector.MAX_LIMIT);
        replies.reply(ctx, inspector.inspect(viewer, tenant, ctx.pathParam("id"), limit));
    }

    /** A response among the latest this replica finished: its transport, Baton's overhead, TTFT, tokens. */
    private void turn(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        ObjectNode turn = live.recentTurn(viewer(ctx), id);
        if (turn == null) {
            replies.fail(ctx, ApiError.notFound("Response '" + id + "' is not among the latest responses this replica"
                    + " finished.").exception());
            return;
        }
        replies.ok(ctx, turn);
    }

    /**
     * The live figures as server-sent events ({@code event: figures}), one per interval. A client that does not read
     * is skipped (the figures are a snapshot: the next one replaces it), never queued for.
     */
    private void liveStream(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        Context context = Vertx.currentContext();
        response.setChunked(true).putHeader("content-type", "text/event-stream")
                .putHeader("x-accel-buffering", "no");
        LiveFigures.Subscription subscription = live.subscribe(viewer(ctx), ctx.request().getHeader("Authorization"),
                figure -> context.runOnContext(v -> {
            if (!response.ended() && !response.closed() && !response.writeQueueFull()) {
                response.write(Buffer.buffer(("event: figures\ndata: " + figure + "\n\n").getBytes(StandardCharsets.UTF_8)));
            }
        }), () -> context.runOnContext(v -> {
            if (!response.ended() && !response.closed()) {
                response.end();
            }
        }));
        if (subscription == null) {
            replies.fail(ctx, new ApiException(ApiError.rateLimited("This replica holds its maximum of "
                    + config.console().maxLiveStreams() + " live console views (BATON_CONSOLE_MAX_LIVE_STREAMS),"
                    + " or this tenant its quarter of them."), 5));
            return;
        }
        response.closeHandler(closed -> live.unsubscribe(subscription));
    }
}
