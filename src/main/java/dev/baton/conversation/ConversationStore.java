package dev.baton.conversation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.baton.config.BatonConfig;
import dev.baton.session.TenantId;
import dev.baton.store.PartialRecord;
import dev.baton.store.RedisCalls;
import dev.baton.store.RedisKeys;
import dev.baton.store.RedisScripts;
import dev.baton.store.RedisUnavailable;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Where conversations live: with Redis, a hash per conversation that every replica reads and moves on with a
 * compare-and-set of its head ({@code <prefix>:{<tenant>}:c:<id>}: {@code created_at}, {@code metadata}, {@code head};
 * expiring with the store TTL, refreshed by each turn); without Redis, this replica's memory, bounded by
 * {@code BATON_CONVERSATIONS_MAX_LOCAL}. Also the cross-replica lease that serializes a conversation's turns.
 */
@ApplicationScoped
public class ConversationStore {

    private static final Logger LOG = Logger.getLogger(ConversationStore.class);
    private static final TypeReference<Map<String, String>> METADATA = new TypeReference<>() { };
    private record Key(TenantId tenant, String id) {
    }

    private final RedisCalls redis; // null: this replica's memory
    private final RedisKeys keys;
    private final Cache<Key, Conversation> local;
    private final ObjectMapper json;
    private final long ttlMillis;

    public ConversationStore(RedisCalls redis, BatonConfig config, ObjectMapper json) {
        this.redis = redis.enabled() ? redis : null;
        this.keys = redis.keys();
        this.json = json;
        this.ttlMillis = config.store().ttl().toMillis();
        this.local = Caffeine.newBuilder().maximumSize(config.conversations().maxLocal())
                .expireAfterAccess(config.store().ttl())
                .build(); // upkeep on the common pool: many entries may expire at once, never on an event loop
    }

    /** Whether conversations are shared by every replica (Redis), or this replica's own. */
    public boolean shared() {
        return redis != null;
    }

    Uni<Void> create(Conversation conversation) {
        if (redis == null) {
            local.put(key(conversation.tenant(), conversation.id()), conversation);
            return Uni.createFrom().voidItem();
        }
        return mapped(redis.run(RedisScripts.CONVERSATION_CREATE, keys.conversation(conversation.tenant(), conversation.id()),
                Long.toString(conversation.createdAt()), encode(conversation.metadata()),
                conversation.head() == null ? "" : conversation.head(), Long.toString(ttlMillis))).replaceWithVoid();
    }

    /** The conversation, or a {@code null} item when this tenant has none of that id. */
    Uni<Conversation> load(TenantId tenant, String id) {
        if (redis == null) {
            return Uni.createFrom().item(local.getIfPresent(key(tenant, id)));
        }
        String hash = keys.conversation(tenant, id);
        return mapped(redis.readCommand("conversation_load", "HGETALL", hash)).map(reply -> {
            if (reply == null || reply.size() == 0) {
                return null;
            }
            String head = reply.get("head") == null ? "" : reply.get("head").toString();
            return new Conversation(id, tenant, number(field(reply, hash, "created_at"), hash),
                    decode(hash, field(reply, hash, "metadata")), head.isEmpty() ? null : head);
        }).onFailure(PartialRecord.class).transform(failure -> {
            LOG.errorf("conversation %s (tenant %s) cannot be read: %s", id, tenant.value(), failure.getMessage());
            return PartialRecord.toClient("conversation", id);
        });
    }

    /**
     * Moves the head from the one {@code conversation} was loaded with to {@code next} ({@code null}: no items); false
     * when it had moved meanwhile, or the conversation is gone.
     */
    Uni<Boolean> advance(Conversation conversation, String next) {
        if (redis == null) {
            Key key = key(conversation.tenant(), conversation.id());
            boolean[] moved = {false};
            local.asMap().computeIfPresent(key, (k, current) -> {
                if (java.util.Objects.equals(current.head(), conversation.head())) {
                    moved[0] = true;
                    return current.withHead(next);
                }
                return current;
            });
            return Uni.createFrom().item(moved[0]);
        }
        return mapped(redis.run(RedisScripts.CONVERSATION_ADVANCE, keys.conversation(conversation.tenant(), conversation.id()),
                conversation.head() == null ? "" : conversation.head(), next == null ? "" : next, Long.toString(ttlMillis)))
                .map(reply -> reply.toInteger() == 1);
    }

    /** Replaces the metadata; false when there is no such conversation. */
    Uni<Boolean> updateMetadata(TenantId tenant, String id, Map<String, String> metadata) {
        if (redis == null) {
            return Uni.createFrom().item(local.asMap().computeIfPresent(key(tenant, id),
                    (k, current) -> current.withMetadata(metadata)) != null);
        }
        return mapped(redis.run(RedisScripts.CONVERSATION_METADATA, keys.conversation(tenant, id), encode(metadata)))
                .map(reply -> reply.toInteger() == 1);
    }

    /** True when something was deleted. */
    Uni<Boolean> delete(TenantId tenant, String id) {
        if (redis == null) {
            return Uni.createFrom().item(local.asMap().remove(key(tenant, id)) != null);
        }
        return mapped(redis.call("conversation_delete", "DEL", keys.conversation(tenant, id)))
                .map(reply -> reply.toInteger() > 0);
    }

    /** Takes the conversation's cross-replica turn lease for {@code ttl}; false when another holder has it. */
    Uni<Boolean> lease(TenantId tenant, String id, String token, Duration ttl) {
        if (redis == null) {
            return Uni.createFrom().item(true); // one replica: the local queue alone serializes
        }
        return mapped(redis.call("lease_take", "SET", keys.conversationLease(tenant, id), token, "NX", "PX",
                Long.toString(ttl.toMillis())))
                .map(reply -> reply != null && "OK".equals(reply.toString()));
    }

    /** Extends the turn lease {@code token} holds; false when it no longer holds it (it ran out, another took it). */
    Uni<Boolean> renew(TenantId tenant, String id, String token, Duration ttl) {
        if (redis == null) {
            return Uni.createFrom().item(true);
        }
        return mapped(redis.run(RedisScripts.LEASE_RENEW, keys.conversationLease(tenant, id), token,
                Long.toString(ttl.toMillis()))).map(reply -> reply.toInteger() == 1);
    }

    Uni<Void> release(TenantId tenant, String id, String token) {
        if (redis == null) {
            return Uni.createFrom().voidItem();
        }
        return mapped(redis.run(RedisScripts.LEASE_RELEASE, keys.conversationLease(tenant, id), token)).replaceWithVoid();
    }

    private static Uni<Response> mapped(Uni<Response> call) {
        return RedisUnavailable.toClient(call, "conversation state");
    }

    private static Key key(TenantId tenant, String id) {
        return new Key(tenant, id);
    }

    private static long number(String value, String key) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new PartialRecord(key, "numeric created_at");
        }
    }

    private static String field(Response hash, String key, String name) {
        Response value = hash.get(name);
        if (value == null) {
            throw new PartialRecord(key, name);
        }
        return value.toString();
    }

    private String encode(Map<String, String> metadata) {
        try {
            return json.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode metadata", e);
        }
    }

    private Map<String, String> decode(String key, String metadata) {
        try {
            return json.readValue(metadata, METADATA);
        } catch (JsonProcessingException e) {
            throw new PartialRecord(key, "readable metadata");
        }
    }
}
