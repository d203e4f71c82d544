package dev.baton.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.config.Offload;
import dev.baton.protocol.Item;
import dev.baton.render.RenderedContext;
import dev.baton.store.RedisCalls;
import dev.baton.store.RedisKeys;
import dev.baton.store.RedisScripts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The Redis spillover: each finished {@code store=true} turn is one immutable delta record (a hash:
 * {@code r} the record JSON, {@code p} the parent id, {@code d} the depth, {@code c} the whole context
 * before the turn on every {@code checkpoint-every}-th turn, {@code x} a deletion tombstone) under
 * {@code <prefix>:{<tenant hex>}:r:<id>}, with a TTL that every use of the chain refreshes.
 * A chain of any depth loads in one round trip (a server-side script walks to the nearest checkpoint).
 * See docs/operations.md for the layout.
 */
public final class RedisTier {

    private final RedisCalls redis;
    private final RedisKeys keys;
    private final ResponseCodec codec;
    private final ObjectMapper json;
    private final BatonConfig.Redis config;
    private final long ttlMillis;
    private final Offload offload;
    private final Counter forcedCheckpoints;
    private final Map<String, Counter> rebuilds = new HashMap<>();

    public RedisTier(RedisCalls redis, ObjectMapper json, BatonConfig config, MeterRegistry metrics, Offload offload) {
        this.redis = redis;
        this.keys = redis.keys();
        this.offload = offload;
        this.json = json;
        this.codec = new ResponseCodec(json);
        this.config = config.redis();
        this.ttlMillis = config.store().ttl().toMillis();
        this.forcedCheckpoints = Counter.builder("baton_redis_forced_checkpoints_total")
                .description("Records written with a whole-context checkpoint because their ancestry was not in Redis")
                .register(metrics);
        for (String from : new String[] {"hot_ancestor", "checkpoint"}) {
            rebuilds.put(from, Counter.builder("baton_redis_rebuilds_total").tag("from", from)
                    .description("Contexts rebuilt from Redis: from an ancestor this replica held, or from a checkpoint")
                    .register(metrics));
        }
    }

    /**
     * The response with its rebuilt context, or a {@code null} item when Redis has no such (undeleted) response.
     *
     * @param held the responses this replica already holds (its hot cache): the rebuild starts from the
     *             nearest ancestor found there instead of re-reading the whole chain from its checkpoint
     */
    public Uni<StoredResponse> load(TenantId tenant, String responseId, Function<String, StoredResponse> held) {
        int walk = config.checkpointEvery() + 1;
        Context caller = Vertx.currentContext();
        // KEYS[1] routes the script to the node that owns the tenant's hash tag (Redis Cluster); its chain walk stays there
        return redis.read(RedisScripts.LOAD, keys.response(tenant, responseId), keys.responses(tenant), responseId,
                Long.toString(ttlMillis), Integer.toString(walk))
                .flatMap(reply -> {
                    if (reply.get(0).toInteger() != 1) {
                        return Uni.createFrom().nullItem();
                    }
                    Rebuild plan = plan(reply, held);
                    // rebuilding digests and counts every item it reads: CPU work by the offload rule
                    return offload.run(plan.bytes(), caller, () -> rebuild(tenant, reply, plan));
                });
    }

    /**
     * Whether Redis holds the response's record, not deleted (for the console's inspector; its TTL stays as it is).
     */
    public Uni<Boolean> holds(TenantId tenant, String responseId) {
        return redis.read(RedisScripts.HOLDS, keys.response(tenant, responseId))
                .map(reply -> reply != null && reply.toInteger() == 1);
    }

    /**
     * Writes one turn; completes once Redis acknowledged it. A record whose chain a cold replica could not
     * walk (an ancestor was never stored, its write was lost, or no checkpoint lies within the walk) is
     * written with a checkpoint of the whole context instead, so every stored response is continuable anywhere.
     */
    public Uni<Void> save(StoredResponse stored) {
        Context caller = Vertx.currentContext();
        long contextBytes = stored.context() == null ? 0 : stored.context().retainedBytes();
        boolean periodic = isCheckpointTurn(stored);
        return offload.run(periodic ? contextBytes : 0, caller, () -> plannedCheckpoint(stored))
                .flatMap(checkpoint -> write(stored, checkpoint))
                .flatMap(written -> {
                    if (written) {
                        return Uni.createFrom().voidItem();
                    }
                    forcedCheckpoints.increment();
                    return offload.run(contextBytes, caller, () -> contextBefore(stored))
                            .flatMap(checkpoint -> write(stored, checkpoint)).replaceWithVoid();
                });
    }

    /**
     * Where a rebuild starts: {@code base} the nearest ancestor this replica holds (or {@code null}: from the
     * checkpoint), {@code oldestId} the reply index of the id of the oldest record to apply (its record
     * follows it), {@code bytes} what will be decoded.
     */
    private record Rebuild(StoredResponse base, int oldestId, long bytes) {
    }

    private Rebuild plan(Response reply, Function<String, StoredResponse> held) {
        // reply: 1, checkpoint, then (id, record) pairs from the response back to the checkpoint's record
        long bytes = 0;
        for (int i = 2; i < reply.size(); i += 2) {
            if (i > 2) {
                StoredResponse ancestor = held.apply(reply.get(i).toString());
                if (ancestor != null && ancestor.context() != null) {
                    rebuilds.get("hot_ancestor").increment();
                    return new Rebuild(ancestor, i - 2, bytes);
                }
            }
            bytes += reply.get(i + 1).toBuffer().length();
        }
        rebuilds.get("checkpoint").increment();
        return new Rebuild(null, reply.size() - 2, bytes + reply.get(1).toBuffer().length());
    }

    private Uni<Boolean> write(StoredResponse stored, String checkpoint) {
        String parent = stored.chainParentId() == null ? "" : stored.chainParentId();
        return redis.run(RedisScripts.SAVE, keys.response(stored.tenant(), stored.id()), keys.responses(stored.tenant()),
                stored.id(), parent,
                Integer.toString(stored.depth()), codec.encode(stored), checkpoint, Long.toString(ttlMillis),
                Integer.toString(config.checkpointEvery() + 1))
                .map(reply -> reply.toInteger() == 1);
    }

    /** Tombstones the response (its record stays for descendants' chain walks until it expires); true if it existed. */
    public Uni<Boolean> delete(TenantId tenant, String responseId) {
        return redis.run(RedisScripts.DELETE, keys.response(tenant, responseId)).map(reply -> reply.toInteger() == 1);
    }

    /** Tells every replica to drop a deleted response from its hot cache. */
    public Uni<Void> publishEviction(TenantId tenant, String responseId) {
        return redis.call("publish", "PUBLISH", evictionChannel(), tenant.value() + "\n" + responseId).replaceWithVoid();
    }

    public String evictionChannel() {
        return keys.evictionChannel();
    }

    /**
     * Takes one turn from the tenant's turns-per-minute bucket, shared by every replica (it holds up to a minute's
     * worth and refills continuously): 0 when taken, else the milliseconds until one is free.
     */
    public Uni<Long> takeTurn(TenantId tenant, int turnsPerMinute) {
        return redis.run(RedisScripts.TURN_BUCKET, keys.turnBucket(tenant), Integer.toString(turnsPerMinute))
                .map(Response::toLong);
    }

    /**
     * The deployment's compaction sealing key ({@code <prefix>:compaction:key}, the same for every tenant and replica):
     * the one Redis holds, or {@code candidate} when it holds none, stored in the same atomic step so that replicas
     * starting together agree. The key has no TTL on purpose: it must outlive every response sealed under it.
     */
    public Uni<String> compactionKey(String candidate) {
        return redis.run(RedisScripts.COMPACTION_KEY, compactionKeyName(), candidate).map(Response::toString);
    }

    /** Where {@link #compactionKey} keeps the key, for logs and docs. */
    public String compactionKeyName() {
        return keys.compactionKey();
    }

    public Uni<Void> ping() {
        return redis.ping();
    }

    public ReactiveRedisDataSource dataSource() {
        return redis.dataSource();
    }

    /** Puts Baton's scripts into Redis's script cache, so that calls by SHA find them (start, reconnect). */
    public Uni<Void> loadScripts() {
        return redis.loadScripts();
    }

    private StoredResponse rebuild(TenantId tenant, Response reply, Rebuild plan) {
        RenderedContext context;
        if (plan.base() != null) {
            context = plan.base().context();
        } else {
            String checkpoint = reply.get(1).toString(); // '' = the chain's root
            context = checkpoint.isEmpty() ? RenderedContext.EMPTY
                    : RenderedContext.EMPTY.append(codec.decodeCheckpoint(checkpoint));
        }
        ResponseCodec.Delta target = null;
        for (int i = plan.oldestId() + 1; i >= 3; i -= 2) {
            ResponseCodec.Delta delta = codec.decode(reply.get(i).toString());
            RenderedContext withInput = context.append(delta.input());
            context = delta.response().continuable() ? withInput.append(delta.response().output()) : null;
            target = delta;
        }
        return StoredResponse.of(tenant, target.response(), target.input(), context, target.depth(), target.affinity());
    }

    /**
     * The checkpoint a record carries without being asked: the whole context before the turn every
     * {@code checkpoint-every} turns; an empty one for a response nobody can continue (its context does not
     * matter, so a load never walks its ancestors); none otherwise.
     */
    private String plannedCheckpoint(StoredResponse stored) {
        if (stored.context() == null) {
            return "[]";
        }
        return isCheckpointTurn(stored) ? contextBefore(stored) : "";
    }

    private boolean isCheckpointTurn(StoredResponse stored) {
        return stored.context() != null && stored.depth() > 1 && stored.depth() % config.checkpointEvery() == 0;
    }

    /** The whole context before this turn: what a checkpoint carries. */
    private String contextBefore(StoredResponse stored) {
        List<Item> all = stored.context().items();
        int added = stored.inputItems().size() + stored.response().output().size();
        try {
            return json.writeValueAsString(all.subList(0, all.size() - added));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a checkpoint of " + stored.id(), e);
        }
    }
}
