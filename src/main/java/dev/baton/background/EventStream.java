package dev.baton.background;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.baton.config.Offload;
import dev.baton.protocol.Item;
import dev.baton.protocol.StreamEvent;
import dev.baton.store.RedisCalls;
import dev.baton.store.RedisKeys;
import dev.baton.store.RedisScripts;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.List;

/**
 * Background responses' events in Redis ({@code <prefix>:{<tenant>}:ev:<id>}): the owner appends them in batches (one
 * stream entry holds a JSON array of events), capped at {@code maxEvents} entries and kept {@link #TTL} after the last
 * append; another replica reads them to follow the response for its client, or to show its output so far.
 */
final class EventStream {

    /** How long a background response's events stay readable after they were last written to. */
    static final Duration TTL = Duration.ofHours(1);

    private final RedisCalls redis;
    private final RedisKeys keys;
    private final ObjectMapper json;
    private final Offload offload;
    private final String maxEntries;

    EventStream(RedisCalls redis, ObjectMapper json, Offload offload, int maxEntries) {
        this.redis = redis;
        this.keys = redis.keys();
        this.json = json;
        this.offload = offload;
        this.maxEntries = Integer.toString(maxEntries);
    }

    /**
     * Appends one batch of events as one entry, and the stream's TTL with it; nothing once the response's record is
     * final (its owner lost the lease: its renewal learns so and stops the run).
     */
    Uni<Void> append(RunKey key, List<StreamEvent> batch) {
        String encoded;
        try {
            encoded = json.writeValueAsString(batch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode events", e);
        }
        return BackgroundRecords.mapped(redis.runOnKeys(RedisScripts.EVENTS_APPEND,
                new String[] {key(key), keys.background(key.tenant(), key.id())}, encoded, maxEntries,
                Long.toString(TTL.toMillis()))).replaceWithVoid();
    }

    /** Up to {@code count} entries after the entry {@code after} ({@code "-"}: from the first). */
    Uni<Response> entries(RunKey key, String after, int count) {
        String from = after.equals("-") ? "-" : "(" + after;
        return BackgroundRecords.mapped(redis.readCommand("events_read", "XRANGE", key(key), from, "+", "COUNT",
                Integer.toString(count)));
    }

    /** The events of one entry, in order. */
    JsonNode events(Response entry) {
        try {
            return json.readTree(entry.get(1).get("events").toString());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("relayed events do not read back", e);
        }
    }

    /**
     * The output the response has produced so far, rebuilt from its events (off the event loop: it is as large as the
     * output); null when the stream no longer starts at the response's first event (it was capped), is longer than
     * this reads, or holds none.
     */
    Uni<ArrayNode> outputSoFar(RunKey key) {
        // MAXLEN ~ trims by whole nodes, so the stream may hold a little more than the cap: read up to twice it, and
        // give up (null) rather than show a stale output when even that is not the whole stream
        int readAtMost = 2 * Integer.parseInt(maxEntries);
        return entries(key, "-", readAtMost).flatMap(entries -> {
            if (entries.size() >= readAtMost) {
                return Uni.createFrom().nullItem();
            }
            long bytes = 0;
            for (Response entry : entries) {
                bytes += entry.get(1).get("events").toBuffer().length();
            }
            return offload.run(bytes, () -> {
                List<Item> items = fold(entries);
                return items == null ? null : (ArrayNode) json.valueToTree(items);
            });
        });
    }

    private List<Item> fold(Response entries) {
        PartialOutput output = new PartialOutput();
        int last = -1;
        for (Response entry : entries) {
            for (JsonNode event : events(entry)) {
                int sequence = event.path("sequence_number").asInt(-1);
                if (last == -1 && sequence != 0) {
                    return null;
                }
                if (sequence > last) { // a batch appended again after a timeout that had landed after all
                    last = sequence;
                    output.onRelayed(event);
                }
            }
        }
        return last == -1 ? null : output.items();
    }

    private String key(RunKey key) {
        return keys.backgroundEvents(key.tenant(), key.id());
    }
}
