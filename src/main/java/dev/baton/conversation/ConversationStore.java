package dev.baton.conversation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import dev.baton.session.TenantId;
import dev.baton.session.TieredChainStore;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/**
 * Where conversations live: with Redis, a hash per conversation that every replica reads and moves on with a
 * compare-and-set of its head ({@code <prefix>:{<tenant>}:c:<id>}: {@code created_at}, {@code metadata}, {@code head};
 * expiring with the store TTL, refreshed by each turn); without Redis, this replica's memory, bounded by
 * {@code BATON_CONVERSATIONS_MAX_LOCAL}. Also the cross-replica lease that serializes a conversation's turns.
 */
@ApplicationScoped
public class ConversationStore {

    private static final TypeReference<Map<String, String>> METADATA = new TypeReference<>() { };
    private static final String ADVANCE = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
            local head = redis.call('HGET', KEYS[1], 'head') or ''
            if head ~= ARGV[1] then return 0 end
            redis.call('HSET', KEYS[1], 'head', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return 1""";
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0""";
    private static final String RENEW = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0""";

    private record Key(TenantId tenant, String id) {
    }

    private final ReactiveRedisDataSource redis;
    private final Cache<Key, Conversation> local;
    private final ObjectMapper json;
    private final String prefix;
    private final Duration timeout;
    private final long ttlMillis;

    public ConversationStore(TieredChainStore chains, BatonConfig config, ObjectMapper json) {
        this.redis = chains.redis() == null ? null : chains.redis().dataSource();
        this.json = json;
        this.prefix = config.redis().keyPrefix();
        this.timeout = config.redis().timeout();
        this.ttlMillis = config.store().ttl().toMillis();
        this.local = Caffeine.newBuilder().maximumSize(config.conversations().maxLocal())
                .expireAfterAccess(config.store().ttl())
                .executor(Runnable::run) // upkeep on the writer's thread: no pool thread woken per turn
                .build();
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
        String hash = hash(conversation.tenant(), conversation.id());
        return call("HSET", hash, "created_at", Long.toString(conversation.createdAt()), "metadata",
                encode(conversation.metadata()), "head", conversation.head() == null ? "" : conversation.head())
                .flatMap(ignored -> call("PEXPIRE", hash, Long.toString(ttlMillis))).replaceWithVoid();
    }

    /** The conversation, or a {@code null} item when this tenant has none of that id. */
    Uni<Conversation> load(TenantId tenant, String id) {
        if (redis == null) {
            return Uni.createFrom().item(local.getIfPresent(key(tenant, id)));
        }
        return call("HGETALL", hash(tenant, id)).map(reply -> {
            if (reply == null || reply.size() == 0) {
                return null;
            }
            String head = reply.get("head") == null ? "" : reply.get("head").toString();
            return new Conversation(id, tenant, Long.parseLong(reply.get("created_at").toString()),
                    decode(reply.get("metadata").toString()), head.isEmpty() ? null : head);
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
        return call("EVAL", ADVANCE, "1", hash(conversation.tenant(), conversation.id()),
                conversation.head() == null ? "" : conversation.head(), next == null ? "" : next, Long.toString(ttlMillis))
                .map(reply -> reply.toInteger() == 1);
    }

    /** Replaces the metadata; false when there is no such conversation. */
    Uni<Boolean> updateMetadata(TenantId tenant, String id, Map<String, String> metadata) {
        if (redis == null) {
            return Uni.createFrom().item(local.asMap().computeIfPresent(key(tenant, id),
                    (k, current) -> current.withMetadata(metadata)) != null);
        }
        String hash = hash(tenant, id);
        return call("EXISTS", hash).flatMap(exists -> exists.toInteger() == 0 ? Uni.createFrom().item(false)
                : call("HSET", hash, "metadata", encode(metadata)).map(ignored -> true));
    }

    /** True when something was deleted. */
    Uni<Boolean> delete(TenantId tenant, String id) {
        if (redis == null) {
            return Uni.createFrom().item(local.asMap().remove(key(tenant, id)) != null);
        }
        return call("DEL", hash(tenant, id)).map(reply -> reply.toInteger() > 0);
    }

    /** Takes the conversation's cross-replica turn lease for {@code ttl}; false when another holder has it. */
    Uni<Boolean> lease(TenantId tenant, String id, String token, Duration ttl) {
        if (redis == null) {
            return Uni.createFrom().item(true); // one replica: the local queue alone serializes
        }
        return call("SET", lease(tenant, id), token, "NX", "PX", Long.toString(ttl.toMillis()))
                .map(reply -> reply != null && "OK".equals(reply.toString()));
    }

    Uni<Void> renew(TenantId tenant, String id, String token, Duration ttl) {
        if (redis == null) {
            return Uni.createFrom().voidItem();
        }
        return call("EVAL", RENEW, "1", lease(tenant, id), token, Long.toString(ttl.toMillis())).replaceWithVoid();
    }

    Uni<Void> release(TenantId tenant, String id, String token) {
        if (redis == null) {
            return Uni.createFrom().voidItem();
        }
        return call("EVAL", RELEASE, "1", lease(tenant, id), token).replaceWithVoid();
    }

    private Uni<Response> call(String command, String... args) {
        return redis.execute(command, args).ifNoItem().after(timeout).fail()
                .onFailure().transform(failure -> new ApiError(503, ApiError.SERVER_ERROR, "state_unavailable", null,
                        "The conversation state store (Redis) did not answer; retry shortly.").exception());
    }

    private static Key key(TenantId tenant, String id) {
        return new Key(tenant, id);
    }

    private String hash(TenantId tenant, String id) {
        return prefix + ":{" + HexFormat.of().formatHex(tenant.value().getBytes(StandardCharsets.UTF_8)) + "}:c:" + id;
    }

    private String lease(TenantId tenant, String id) {
        return hash(tenant, id) + ":lease";
    }

    private String encode(Map<String, String> metadata) {
        try {
            return json.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode metadata", e);
        }
    }

    private Map<String, String> decode(String metadata) {
        try {
            return json.readValue(metadata, METADATA);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a conversation's metadata does not read back", e);
        }
    }
}
