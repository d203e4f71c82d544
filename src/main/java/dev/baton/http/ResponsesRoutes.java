package dev.baton.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.BatonConfig;
import dev.baton.config.Offload;
import dev.baton.engine.Engine;
import dev.baton.events.UsageEvent;
import dev.baton.limits.InboundBytes;
import dev.baton.background.BackgroundRuns;
import dev.baton.compaction.Compactor;
import dev.baton.conversation.Conversations;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.RequestParser;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.StreamEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import dev.baton.session.Ids;
import dev.baton.session.TenantDirectory;
import dev.baton.session.TenantId;
import dev.baton.turn.ResponseQueries;
import dev.baton.turn.Turn;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The HTTP surface of PROTOCOL.md Part A.1 and B §6, as Vert.x routes on the event loop:
 * transport only — parsing the body, authenticating, and writing JSON or SSE. Everything else is
 * the {@link TurnPipeline}'s and {@link ResponseQueries}' job.
 */
@ApplicationScoped
public class ResponsesRoutes {

    /** Ends a cancel cannot change: answered 400, as OpenAI does. */
    private static final Set<String> ENDED_UNCANCELLED = Set.of("completed", "failed", "incomplete");

    private static final String FINGERPRINT_HEADER = "x-baton-context-fingerprint";
    /** The turn's OpenTelemetry trace id, when tracing is on. */
    private static final String TRACE_HEADER = "x-baton-trace-id";

    private final ResponseQueries queries;
    private final TenantDirectory tenants;
    private final Engine engine;
    private final HttpReplies replies;
    private final dev.baton.protocol.EventEncoder encoder;
    private final BatonConfig config;
    private final Offload offload;
    private final InboundBytes inbound;
    private final long startedAt = Instant.now().getEpochSecond();

    private final Compactor compactor;
    private final Conversations conversations;
    private final BackgroundRuns background;

    public ResponsesRoutes(ResponseQueries queries, TenantDirectory tenants, Engine engine,
                           HttpReplies replies, BatonConfig config, Offload offload, Compactor compactor,
                           Conversations conversations, BackgroundRuns background, InboundBytes inbound) {
        this.inbound = inbound;
        this.background = background;
        this.conversations = conversations;
        this.compactor = compactor;
        this.offload = offload;
        this.queries = queries;
        this.tenants = tenants;
        this.engine = engine;
        this.replies = replies;
        this.encoder = new dev.baton.protocol.EventEncoder(replies.json());
        this.config = config;
    }

    void register(@Observes Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(config.http().maxBodyBytes());
        router.route("/v1/*").order(-10).handler(this::begin);
        router.post("/v1/responses/input_tokens").handler(body).handler(this::inputTokens);
        router.post("/v1/responses/compact").handler(body).handler(this::compact);
        router.post("/v1/responses").handler(body).handler(this::create);
        router.get("/v1/responses/:id/input_items").handler(this::inputItems);
        router.post("/v1/responses/:id/cancel").handler(this::cancel);
        router.get("/v1/responses/:id").handler(this::retrieve);
        router.delete("/v1/responses/:id").handler(this::delete);
        router.get("/v1/models").handler(this::models);
        router.get("/v1/models/:id").handler(this::model);
        router.route("/v1/*").failureHandler(this::failure);
        // what no route takes answers in the OpenAI envelope too, never an HTML page or an empty body
        router.errorHandler(404, ctx -> replies.fail(ctx, ApiError.notFound(
                "Invalid URL (" + ctx.request().method() + " " + ctx.request().path() + ").").exception()));
        router.errorHandler(405, ctx -> {
            String allowed = allowedMethods(router, ctx.request().path());
            if (!allowed.isEmpty()) {
                ctx.response().putHeader("allow", allowed);
            }
            replies.fail(ctx, new ApiError(405, ApiError.INVALID_REQUEST, "method_not_allowed", null, "The method "
                    + ctx.request().method() + " is not allowed for " + ctx.request().path()
                    + (allowed.isEmpty() ? "" : " (allowed: " + allowed + ")") + ".").exception());
        });
    }

    /** The methods the router's routes take for {@code path} ({@code :param} segments match any segment). */
    private static String allowedMethods(Router router, String path) {
        Set<String> methods = new TreeSet<>();
        for (Route route : router.getRoutes()) {
            String pattern = route.getPath();
            if (pattern == null || route.methods() == null || route.isRegexPath()) {
                continue;
            }
            String regex = Arrays.stream(pattern.split("/", -1))
                    .map(segment -> segment.startsWith(":") ? "[^/]+" : Pattern.quote(segment))
                    .collect(Collectors.joining("/"));
            if (path.matches(regex)) {
                route.methods().forEach(method -> methods.add(method.name()));
            }
        }
        return String.join(", ", methods);
    }

    /**
     * Tags the request with an id and authenticates it — the WebSocket upgrade too, so a bad key is
     * refused with a JSON 401 before any 101 (PROTOCOL.md Part A.2).
     */
    private void begin(RoutingContext ctx) {
        String requestId = Ids.request();
        ctx.put(HttpReplies.REQUEST_ID, requestId);
        ctx.response().putHeader("x-request-id", requestId);
        try {
            TenantId tenant = tenants.authenticate(ctx.request().getHeader("Authorization"));
            ctx.put(TenantId.class.getName(), tenant);
            reserveBody(ctx, tenant);
            ctx.next();
        } catch (RuntimeException e) {
            replies.fail(ctx, e);
        }
    }

    /**
     * Holds the request's body bytes against the tenant's and the replica's inbound budgets until its response ends,
     * before the body is buffered; a body without a length counts as the largest accepted. Over budget: 429.
     */
    private void reserveBody(RoutingContext ctx, TenantId tenant) {
        long bytes = declaredBodyBytes(ctx);
        if (bytes == 0) {
            return;
        }
        if (!inbound.tryReserve(tenant, bytes, "http")) {
            // the body is never read, so this connection cannot carry another request (as for a 413)
            ctx.response().putHeader("connection", "close");
            ctx.addEndHandler(ended -> ctx.request().connection().close());
            throw new ApiException(ApiError.rateLimited("This replica holds its maximum of request bytes in flight"
                    + " for this tenant or in all (BATON_LIMITS_INBOUND_BYTES_PER_TENANT, BATON_LIMITS_INBOUND_BYTES);"
                    + " retry in a second."), 1);
        }
        ctx.addEndHandler(ended -> inbound.release(tenant, bytes));
    }

    private long declaredBodyBytes(RoutingContext ctx) {
        long max = config.http().maxBodyBytes();
        String length = ctx.request().getHeader("content-length");
        if (length != null) {
            try {
                return Math.min(Math.max(0, Long.parseLong(length.strip())), max); // larger: 413 from the body handler
            } catch (NumberFormatException e) {
                return max;
            }
        }
        // no length (chunked, any transfer coding, HTTP/2): it may be as large as is accepted
        return switch (ctx.request().method().name()) {
            case "POST", "PUT", "PATCH" -> max;
            default -> 0;
        };
    }

    private void create(RoutingContext ctx) {
        long started = System.nanoTime();
        Context vertxContext = Vertx.currentContext();
        offload.run(HttpReplies.bodyBytes(ctx), () -> {
                    CreateResponseRequest request = RequestParser.parse(replies.readJson(ctx));
                    rejectHttpOnlyViolations(request);
                    return request;
                })
                .flatMap(request -> conversations.prepare(HttpReplies.tenant(ctx), request, null,
                                request.stream() ? UsageEvent.SSE : UsageEvent.HTTP)
                        .map(turn -> new Prepared(request, turn)))
                .subscribe().with(prepared -> {
                    ctx.response().putHeader(FINGERPRINT_HEADER, prepared.turn().fingerprint());
                    if (prepared.turn().traceId() != null) {
                        ctx.response().putHeader(TRACE_HEADER, prepared.turn().traceId());
                    }
                    if (prepared.request().background()) {
                        runInBackground(ctx, prepared, vertxContext);
                    } else if (prepared.request().stream()) {
                        stream(ctx, prepared.turn(), vertxContext);
                    } else {
                        respondWhenDone(ctx, prepared.turn(), started);
                    }
                }, failure -> replies.fail(ctx, failure));
    }

    /** Starts a background response: answered at once (or streamed, the turn going on if the client leaves). */
    private void runInBackground(RoutingContext ctx, Prepared prepared, Context vertxContext) {
        TenantId tenant = HttpReplies.tenant(ctx);
        background.start(tenant, prepared.turn()).subscribe().with(started -> {
            if (prepared.request().stream()) {
                streamEvents(ctx, started.events(), vertxContext);
            } else {
                replies.ok(ctx, started.response());
            }
        }, failure -> replies.fail(ctx, failure));
    }

    private record Prepared(CreateResponseRequest request, Turn turn) {
    }

    private static void rejectHttpOnlyViolations(CreateResponseRequest request) {
        if (request.streamId() != null) {
            throw ApiError.invalidRequest("stream_id", "unsupported_parameter",
                    "Unsupported parameter: 'stream_id' is only valid over the WebSocket transport.").exception();
        }
        if (request.background() && !request.store()) {
            throw ApiError.invalidRequest("background", "invalid_value",
                    "Background responses are stored: 'background': true needs 'store': true.").exception();
        }
        if (request.background() && request.conversation() != null) {
            throw ApiError.invalidRequest("background", "unsupported_parameter",
                    "Unsupported parameter: 'background' together with 'conversation'; Baton runs conversation turns"
                            + " in the foreground.").exception();
        }
    }

    private void stream(RoutingContext ctx, Turn turn, Context vertxContext) {
        streamEvents(ctx, turn.events(), vertxContext);
    }

    private void streamEvents(RoutingContext ctx, Multi<StreamEvent> events, Context vertxContext) {
        ctx.response().setStatusCode(200).setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache");
        EventLoop loop = ((ContextInternal) vertxContext).nettyEventLoop();
        events
                .emitOn(task -> { // at once when already on the request's loop, else queued on it
                    if (loop.inEventLoop()) {
                        task.run();
                    } else {
                        vertxContext.runOnContext(ignored -> task.run());
                    }
                })
                .subscribe().withSubscriber(new SseWriter(ctx.response(), vertxContext, encoder, HttpReplies.requestId(ctx)));
    }

    private void respondWhenDone(RoutingContext ctx, Turn turn, long started) {
        var subscription = new java.util.concurrent.atomic.AtomicReference<io.smallrye.mutiny.subscription.Cancellable>();
        ctx.response().closeHandler(closed -> {
            var running = subscription.get();
            if (running != null) {
                running.cancel();
            }
        });
        subscription.set(turn.events().collect().last().subscribe().with(last -> {
            ctx.response().putHeader("openai-processing-ms",
                    Long.toString((System.nanoTime() - started) / 1_000_000));
            replies.ok(ctx, ((StreamEvent.Lifecycle) last).response());
        }, failure -> replies.fail(ctx, failure)));
    }

    private void retrieve(RoutingContext ctx) {
        TenantId tenant = HttpReplies.tenant(ctx);
        String id = ctx.pathParam("id");
        if ("true".equals(ctx.request().getParam("stream"))) {
            int startingAfter;
            try {
                startingAfter = HttpReplies.intParam(ctx, "starting_after", -1, -1, Integer.MAX_VALUE);
            } catch (RuntimeException e) {
                replies.fail(ctx, e);
                return;
            }
            Context vertxContext = Vertx.currentContext();
            background.follow(tenant, id, startingAfter).subscribe().with(events -> {
                if (events == null) {
                    replies.fail(ctx, ApiError.invalidRequest("stream", "invalid_value", "Response '" + id + "' is not"
                            + " a background response whose events are still kept (they are, while it runs and for an"
                            + " hour after with Redis). Retrieve it without 'stream' for its state.").exception());
                    return;
                }
                streamEvents(ctx, events, vertxContext);
            }, failure -> replies.fail(ctx, failure));
            return;
        }
        replies.reply(ctx, current(tenant, id));
    }

    /** A response as every replica sees it: stored (the chain store wins), else a background response's record. */
    private Uni<Object> current(TenantId tenant, String id) {
        Uni<Object> stored = queries.get(tenant, id).map(response -> response);
        return stored.onFailure(HttpReplies::notFound).recoverWithUni(failure -> background.find(tenant, id)
                .map(state -> {
                    if (state == null) {
                        throw ApiError.responseNotFound(id).exception();
                    }
                    return state;
                }));
    }

    private void delete(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        replies.reply(ctx, queries.delete(HttpReplies.tenant(ctx), id).map(ignored -> {
            ObjectNode deleted = replies.json().createObjectNode();
            deleted.put("id", id).put("object", "response.deleted").put("deleted", true);
            return deleted;
        }));
    }

    private void cancel(RoutingContext ctx) {
        TenantId tenant = HttpReplies.tenant(ctx);
        String id = ctx.pathParam("id");
        // the answer is what every replica sees afterwards: a turn that ended before the cancel took effect stays as it ended
        replies.reply(ctx, background.cancel(tenant, id).flatMap(state -> current(tenant, id)).map(response -> {
            if (response instanceof ResponseObject stored && !stored.background()) {
                throw ApiError.invalidRequest(null, null, "Only responses created with background=true can be"
                        + " cancelled; response '" + id + "' was not.").exception();
            }
            String status = response instanceof ResponseObject stored ? stored.status()
                    : ((JsonNode) response).path("status").asText();
            if (ENDED_UNCANCELLED.contains(status)) { // as OpenAI answers: it ended before the cancel took effect
                throw ApiError.invalidRequest(null, null, "Cannot cancel a" + ("incomplete".equals(status) ? "n " : " ")
                        + status + " response.").exception();
            }
            return response;
        }));
    }

    private void inputItems(RoutingContext ctx) {
        HttpReplies.ListParams list;
        try {
            list = HttpReplies.listParams(ctx);
        } catch (RuntimeException e) {
            replies.fail(ctx, e);
            return;
        }
        replies.reply(ctx, queries.inputItems(HttpReplies.tenant(ctx), ctx.pathParam("id"), list.limit(), list.ascending(),
                list.after()).map(page -> replies.list(page.data(), page.hasMore())));
    }

    private void compact(RoutingContext ctx) {
        replies.reply(ctx, offload.run(HttpReplies.bodyBytes(ctx), () -> replies.readJson(ctx))
                .flatMap(body -> compactor.compact(HttpReplies.tenant(ctx), body)));
    }

    private void inputTokens(RoutingContext ctx) {
        replies.reply(ctx, offload.run(HttpReplies.bodyBytes(ctx), () -> {
            JsonNode body = replies.readJson(ctx);
            if (body.isObject() && !body.hasNonNull("model")) {
                ((ObjectNode) body).put("model", "unspecified");
            }
            return RequestParser.parse(body);
        }).flatMap(request -> queries.inputTokens(HttpReplies.tenant(ctx), request)).map(tokens -> {
            ObjectNode result = replies.json().createObjectNode();
            result.put("object", "response.input_tokens").put("input_tokens", tokens);
            return result;
        }));
    }

    private void models(RoutingContext ctx) {
        ObjectNode list = replies.json().createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        engine.models().forEach(id -> data.add(model(id)));
        replies.ok(ctx, list);
    }

    private void model(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!engine.models().contains(id)) {
            replies.fail(ctx, ApiError.notFound("The model '" + id + "' does not exist.").exception());
            return;
        }
        replies.ok(ctx, model(id));
    }

    private ObjectNode model(String id) {
        ObjectNode model = replies.json().createObjectNode();
        model.put("id", id).put("object", "model").put("created", startedAt).put("owned_by", "baton-" + engine.name());
        return model;
    }

    private void failure(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            // the rest of the body is never read, so this connection cannot carry another request
            ctx.response().putHeader("connection", "close");
            ctx.addEndHandler(ended -> ctx.request().connection().close()); // beside the body budget's own end handler
            replies.fail(ctx, new ApiError(413, ApiError.INVALID_REQUEST, "payload_too_large", null,
                    "The request body exceeds " + config.http().maxBodyBytes() + " bytes (BATON_HTTP_MAX_BODY_BYTES).")
                    .exception());
            return;
        }
        replies.fail(ctx, ctx.failure() != null ? ctx.failure() : new IllegalStateException("status " + ctx.statusCode()));
    }

}
