package dev.baton.background;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.store.PartialRecord;
import dev.baton.store.RedisCalls;
import dev.baton.store.RedisKeys;
import dev.baton.store.RedisScripts;
import dev.baton.store.RedisUnavailable;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Background responses' records in Redis ({@code <prefix>:{<tenant>}:bg:<id>}: the response as it started or ended,
 * the owner's lease by Redis's clock, a cancel request, the {@code final} mark). Each write is one script that keeps
 * the record's TTL, and an ended record never changes again: an owner that lost its lease cannot revive it.
 */
final class BackgroundRecords {

    /** What a renewal tells the owner. */
    enum Renewal {
        RENEWED, CANCEL_REQUESTED, ENDED_ELSEWHERE, GONE
    }

    private static final Logger LOG = Logger.getLogger(BackgroundRecords.class);

    private final RedisCalls redis;
    private final RedisKeys keys;
    private final ObjectMapper json;
    private final String leaseMillis;
    private final String ttlMillis;

    BackgroundRecords(RedisCalls redis, ObjectMapper json, Duration lease, Duration ttl) {
        this.redis = redis;
        this.keys = redis.keys();
        this.json = json;
        this.leaseMillis = Long.toString(lease.toMillis());
        this.ttlMillis = Long.toString(ttl.toMillis());
    }

    /** Writes the record of a response that starts here: the response, this replica's lease, the TTL. */
    Uni<Void> start(RunKey key, String response) {
        return mapped(redis.run(RedisScripts.BACKGROUND_START, hash(key), response, leaseMillis, ttlMillis)).replaceWithVoid();
    }

    /** Extends the owner's lease, and only that: the output travels in the events stream. */
    Uni<Renewal> renew(RunKey key) {
        // unmapped: only the owner sees a failure, and its log wants Redis's own words
        return redis.run(RedisScripts.BACKGROUND_RENEW, hash(key), leaseMillis).map(reply -> switch (reply.toInteger()) {
            case 1 -> Renewal.CANCEL_REQUESTED;
            case -1 -> Renewal.GONE;
            case -2 -> Renewal.ENDED_ELSEWHERE;
            default -> Renewal.RENEWED;
        });
    }

    /** Asks the owner to cancel (heard with its next renewal); only a record that exists and has not ended is marked. */
    Uni<Void> requestCancel(RunKey key) {
        return mapped(redis.run(RedisScripts.BACKGROUND_CANCEL, hash(key))).replaceWithVoid();
    }

    /** The owner's end of the response (not stored in the chain store: cancelled, failed); ignored if it already ended. */
    Uni<Void> end(RunKey key, String response) {
        return mapped(redis.run(RedisScripts.BACKGROUND_END, hash(key), response, ttlMillis, "")).replaceWithVoid();
    }

    /** Ends the response as {@code response} if its owner's lease ran out; whether it did. */
    Uni<Boolean> endIfAbandoned(RunKey key, String response) {
        return mapped(redis.run(RedisScripts.BACKGROUND_END, hash(key), response, ttlMillis, "1"))
                .map(reply -> reply.toInteger() == 1);
    }

    /**
     * The response is in the chain store now: its record is no longer needed, unless another replica ended it
     * meanwhile (this replica's lease had run out: false, and the record keeps that end).
     */
    Uni<Boolean> delete(RunKey key) {
        return mapped(redis.run(RedisScripts.BACKGROUND_DELETE, hash(key))).map(reply -> reply.toInteger() >= 0);
    }

    /**
     * A record as read: the response it holds (as it started, or as it ended), and whether its owner's lease ran out
     * before it ended.
     */
    record Read(ObjectNode response, boolean abandoned) {
        boolean ended() {
            return BackgroundRun.FINAL.contains(response.path("status").asText());
        }
    }

    /** The record; null when there is none. */
    Uni<Read> read(RunKey key) {
        return mapped(redis.read(RedisScripts.BACKGROUND_READ, hash(key))).map(reply -> {
            if (reply == null) {
                return null;
            }
            try {
                return new Read((ObjectNode) json.readTree(reply.get(0).toString()), reply.get(1).toInteger() == 1);
            } catch (JsonProcessingException | ClassCastException e) {
                LOG.errorf("background response %s: its record in Redis does not read back: %s", key.id(), e.getMessage());
                throw PartialRecord.toClient("background response", key.id());
            }
        });
    }

    /** Whether Redis holds anything of the response: its record (running) or its events (ended lately). */
    Uni<Boolean> exists(RunKey key) {
        return mapped(redis.readCommand("background_exists", "EXISTS", hash(key), keys.backgroundEvents(key.tenant(), key.id())))
                .map(reply -> reply.toInteger() > 0);
    }

    static Uni<Response> mapped(Uni<Response> call) {
        return RedisUnavailable.toClient(call, "background response");
    }

    private String hash(RunKey key) {
        return keys.background(key.tenant(), key.id());
    }
}
