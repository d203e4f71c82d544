package dev.baton.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.ErrorBody;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** Writes JSON bodies and the one mapping from failures to the OpenAI HTTP error envelope. */
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
}
