package dev.baton.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.BatonConfig;
import dev.baton.config.Offload;
import dev.baton.conversation.Conversations;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.RequestParser;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;

/**
 * The Conversations API: {@code /v1/conversations} and its items, as OpenAI's reference describes them; authenticated
 * and answered in the envelope like every {@code /v1} route ({@link ResponsesRoutes} registers both).
 */
@ApplicationScoped
class ConversationRoutes {

    private static final Set<String> CREATE_FIELDS = Set.of("items", "metadata");

    private final Conversations conversations;
    private final HttpReplies replies;
    private final Offload offload;
    private final BatonConfig config;

    ConversationRoutes(Conversations conversations, HttpReplies replies, Offload offload, BatonConfig config) {
        this.conversations = conversations;
        this.replies = replies;
        this.offload = offload;
        this.config = config;
    }

    void register(@Observes Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(config.http().maxBodyBytes());
        router.post("/v1/conversations").handler(body).handler(this::create);
        router.get("/v1/conversations/:id").handler(this::retrieve);
        router.post("/v1/conversations/:id").handler(body).handler(this::update);
        router.delete("/v1/conversations/:id").handler(this::delete);
        router.get("/v1/conversations/:id/items").handler(this::listItems);
        router.post("/v1/conversations/:id/items").handler(body).handler(this::addItems);
        router.get("/v1/conversations/:id/items/:item").handler(this::retrieveItem);
        router.delete("/v1/conversations/:id/items/:item").handler(this::deleteItem);
    }

    private void create(RoutingContext ctx) {
        replies.reply(ctx, offload.run(HttpReplies.bodyBytes(ctx), () -> {
            JsonNode body = replies.readJson(ctx);
            onlyFields(body, CREATE_FIELDS);
            return body;
        }).flatMap(body -> conversations.create(HttpReplies.tenant(ctx), body.get("items"),
                RequestParser.parseMetadata(body.get("metadata")))).map(created -> created.toJson(replies.json())));
    }

    private void retrieve(RoutingContext ctx) {
        replies.reply(ctx, conversations.get(HttpReplies.tenant(ctx), ctx.pathParam("id"))
                .map(found -> found.toJson(replies.json())));
    }

    private void update(RoutingContext ctx) {
        replies.reply(ctx, offload.run(HttpReplies.bodyBytes(ctx), () -> {
            JsonNode body = replies.readJson(ctx);
            onlyFields(body, Set.of("metadata"));
            if (!body.has("metadata")) {
                throw ApiError.invalidRequest("metadata", "missing_required_parameter",
                        "Missing required parameter: 'metadata'.").exception();
            }
            return RequestParser.parseMetadata(body.get("metadata"));
        }).flatMap(metadata -> conversations.updateMetadata(HttpReplies.tenant(ctx), ctx.pathParam("id"), metadata))
                .map(updated -> updated.toJson(replies.json())));
    }

    private void delete(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        replies.reply(ctx, conversations.delete(HttpReplies.tenant(ctx), id).map(ignored -> {
            ObjectNode deleted = replies.json().createObjectNode();
            return deleted.put("id", id).put("object", "conversation.deleted").put("deleted", true);
        }));
    }

    private void listItems(RoutingContext ctx) {
        HttpReplies.ListParams list;
        try {
            list = HttpReplies.listParams(ctx);
        } catch (RuntimeException e) {
            replies.fail(ctx, e);
            return;
        }
        replies.reply(ctx, conversations.items(HttpReplies.tenant(ctx), ctx.pathParam("id"), list.limit(),
                list.ascending(), list.after()).map(page -> replies.list(page.data(), page.hasMore())));
    }

    private void addItems(RoutingContext ctx) {
        replies.reply(ctx, offload.run(HttpReplies.bodyBytes(ctx), () -> {
            JsonNode body = replies.readJson(ctx);
            onlyFields(body, Set.of("items"));
            return body.get("items");
        }).flatMap(items -> conversations.addItems(HttpReplies.tenant(ctx), ctx.pathParam("id"), items))
                .map(added -> replies.list(added, false)));
    }

    private void retrieveItem(RoutingContext ctx) {
        replies.reply(ctx, conversations.item(HttpReplies.tenant(ctx), ctx.pathParam("id"), ctx.pathParam("item"))
                .map(item -> replies.json().valueToTree(item)));
    }

    private void deleteItem(RoutingContext ctx) {
        replies.reply(ctx, conversations.deleteItem(HttpReplies.tenant(ctx), ctx.pathParam("id"), ctx.pathParam("item"))
                .map(updated -> updated.toJson(replies.json())));
    }

    private static void onlyFields(JsonNode body, Set<String> known) {
        if (!body.isObject()) {
            throw ApiError.invalidRequest(null, "invalid_type", "The request body must be a JSON object.").exception();
        }
        body.fieldNames().forEachRemaining(field -> {
            if (!known.contains(field)) {
                throw ApiError.invalidRequest(field, "unknown_parameter", "Unknown parameter: '" + field + "'.").exception();
            }
        });
    }
}
