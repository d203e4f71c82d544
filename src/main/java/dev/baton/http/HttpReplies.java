package dev.baton.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.ErrorBody;
import dev.baton.protocol.Item;
import dev.baton.session.TenantId;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.util.List;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Writes JSON bodies and the one mapping from failures to the OpenAI HTTP error envelope; reads bodies, the tenant
 * and the list parameters every route shares.
 */
@ApplicationScoped
class HttpReplies {

    static final String REQUEST_ID = "baton.request-id";
    private static final Logger LOG = Logger.getLogger(HttpReplies.class);

    private final ObjectMapper json;

    HttpReplies(ObjectMapper json) {
        this.json = json;
    }

    ObjectMapper json() {
        return json;
    }

    void ok(RoutingContext ctx, Object body) {
        send(ctx, 200, body);
    }

    /** Maps any failure to its envelope: API errors as they are, anything else as a logged 500. */
    void fail(RoutingContext ctx, Throwable failure) {
        ApiError error;
        if (failure instanceof ApiException api) {
            error = api.error();
            if (api.retryAfterSeconds() > 0 && !ctx.response().headWritten()) {
                ctx.response().putHeader("retry-after", Integer.toString(api.retryAfterSeconds()));
            }
        } else {
            String requestId = requestId(ctx);
            LOG.errorf(failure, "[%s] %s %s failed", requestId, ctx.request().method(), ctx.request().path());
            error = ApiError.internal(requestId);
        }
        send(ctx, error.status(), ErrorBody.Envelope.of(error));
    }

    static String requestId(RoutingContext ctx) {
        return ctx.get(REQUEST_ID);
    }

    private void send(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        try {
            Buffer bytes = Buffer.buffer(json.writeValueAsBytes(body));
            ctx.response().setStatusCode(status)
                    .putHeader("content-type", "application/json")
                    .end(bytes);
        } catch (JsonProcessingException e) {
            LOG.errorf(e, "[%s] cannot serialise a reply", requestId(ctx));
            ctx.response().setStatusCode(500).end();
        }
    }

    /** Answers {@code result}: 200 with its JSON, or the failure's envelope. */
    <T> void reply(RoutingContext ctx, Uni<T> result) {
        result.subscribe().with(value -> ok(ctx, value), failure -> fail(ctx, failure));
    }
    /** The request body as JSON, or a 400 {@code invalid_json}. */
    JsonNode readJson(RoutingContext ctx) {
        var body = ctx.body().buffer();
        if (body == null || body.length() == 0) {
            throw ApiError.invalidRequest(null, "invalid_json",
                    "The request body is empty; expected a JSON object.").exception();
        }
        try {
            JsonNode parsed = json.readTree(body.getBytes());
            if (parsed == null || parsed.isMissingNode()) { // only white space
                throw ApiError.invalidRequest(null, "invalid_json",
                        "The request body is empty; expected a JSON object.").exception();
            }
            return parsed;
        } catch (IOException e) {
            throw ApiError.invalidRequest(null, "invalid_json",
                    "We could not parse the JSON body of your request: " + firstLine(e.getMessage())).exception();
        }
    }
    private static String firstLine(String message) {
        if (message == null) {
            return "malformed JSON.";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
    static int intParam(RoutingContext ctx, String name, int fallback, int min, int max) {
        String value = ctx.request().getParam(name);
        if (value == null) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value);
            if (number < min || number > max) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw ApiError.invalidRequest(name, "invalid_value", "Invalid '" + name + "': expected an integer between "
                    + min + " and " + max + ", but got '" + value + "'.").exception();
        }
    }
    static boolean orderParam(RoutingContext ctx) {
        String order = ctx.request().getParam("order");
        if (order == null || "desc".equals(order)) {
            return false;
        }
        if ("asc".equals(order)) {
            return true;
        }
        throw ApiError.invalidRequest("order", "invalid_value",
                "Invalid value: '" + order + "'. Supported values are: 'asc' and 'desc'.").exception();
    }
    /** A list request's {@code limit} (1–100, default 20), {@code order} ({@code desc} by default) and {@code after}. */
    record ListParams(int limit, boolean ascending, String after) {
    }

    /** The list parameters of {@code ctx}, or a 400 naming the bad one. */
    static ListParams listParams(RoutingContext ctx) {
        return new ListParams(intParam(ctx, "limit", 20, 1, 100), orderParam(ctx), ctx.request().getParam("after"));
    }

    /** The request body's size, for the offload rule. */
    static long bodyBytes(RoutingContext ctx) {
        return ctx.body().buffer() == null ? 0 : ctx.body().buffer().length();
    }

    /** Whether a failure is the API's 404. */
    static boolean notFound(Throwable failure) {
        return failure instanceof ApiException api && api.error().status() == 404;
    }

    /** The tenant {@code begin} authenticated. */
    static TenantId tenant(RoutingContext ctx) {
        return ctx.get(TenantId.class.getName());
    }
    /** A list object: {@code {"object":"list","data","first_id","last_id","has_more"}}. */
    ObjectNode list(List<Item> items, boolean hasMore) {
        ObjectNode list = json.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        for (Item item : items) {
            data.add(json.valueToTree(item));
        }
        list.put("first_id", items.isEmpty() ? null : items.get(0).id());
        list.put("last_id", items.isEmpty() ? null : items.get(items.size() - 1).id());
        list.put("has_more", hasMore);
        return list;
    }
}
