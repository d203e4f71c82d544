package dev.baton.background;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.StreamEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Follows a background response running on another replica for a client here: polls its events stream every
 * {@link #POLL_MILLIS} while the client asks for events, and emits the events after the client's
 * {@code starting_after}, to the terminal one. A stream
 * that stays silent for a lease is checked against the record: a slow engine (the owner keeps renewing) is waited
 * for; an ended record (the owner died and its lease ran out, or it ended without relaying its last event) ends the
 * stream with the record's end, after every event relayed before it.
 */
final class RelayReader {

    static final long POLL_MILLIS = 100;
    private static final int BATCH = 100;
    private static final Logger LOG = Logger.getLogger(RelayReader.class);

    private final RunKey key;
    private final EventStream stream;
    private final Function<RunKey, Uni<JsonNode>> record;
    private final ObjectMapper json;
    private final Vertx vertx;
    private final Duration lease;
    private final MultiEmitter<? super StreamEvent> emitter;
    private final AtomicBoolean polling = new AtomicBoolean();
    private int lastSent;
    private String lastEntry = "-";
    private long timer;
    private int idlePolls;
    private long failingSince = -1; // nanoTime of the first failed poll since the last answered one
    private volatile ObjectNode endedAs; // the record's end, once it ended without a terminal event in the stream
    private boolean done;

    /**
     * @param record reads the response's state as every replica sees it (ending it {@code failed} if its lease ran
     *               out); null when it is gone
     */
    RelayReader(RunKey key, int startingAfter, EventStream stream, Function<RunKey, Uni<JsonNode>> record,
                ObjectMapper json, Vertx vertx, Duration lease, MultiEmitter<? super StreamEvent> emitter) {
        this.key = key;
        this.lastSent = startingAfter;
        this.stream = stream;
        this.record = record;
        this.json = json;
        this.vertx = vertx;
        this.lease = lease;
        this.emitter = emitter;
    }

    void start() {
        timer = vertx.setPeriodic(POLL_MILLIS, id -> poll());
        emitter.onTermination(() -> vertx.cancelTimer(timer));
        poll();
    }

    private void poll() {
        // read only for a client that asked for more: a slow one holds at most one read's entries, never a backlog
        if (done || emitter.isCancelled() || emitter.requested() <= 0 || !polling.compareAndSet(false, true)) {
            return;
        }
        ObjectNode ended = endedAs; // read before the stream: events relayed before the end are in this read
        stream.entries(key, lastEntry, BATCH).subscribe().with(entries -> {
            try {
                read(entries);
                if (!done && ended != null && entries.size() < BATCH) {
                    end(ended.put("sequence_number", lastSent + 1));
                }
            } finally {
                polling.set(false);
            }
        }, failure -> {
            polling.set(false);
            // a refusal (calls in flight at their bound) or a missed answer passes: polled again at the next tick,
            // for as long as a lease; Redis gone longer than that ends the stream
            long now = System.nanoTime();
            if (failingSince < 0) {
                failingSince = now;
            } else if (now - failingSince > lease.toNanos()) {
                emitter.fail(failure);
            }
        });
    }

    private void read(Response entries) {
        failingSince = -1;
        idlePolls = entries.size() == 0 ? idlePolls + 1 : 0;
        for (Response entry : entries) {
            lastEntry = entry.get(0).toString();
            for (JsonNode event : stream.events(entry)) {
                StreamEvent.Relayed relayed = StreamEvent.Relayed.of(event);
                if (relayed.sequenceNumber() > lastSent) {
                    lastSent = relayed.sequenceNumber();
                    emitter.emit(relayed);
                }
                if (relayed.terminal()) {
                    done = true;
                    emitter.complete();
                    return;
                }
            }
        }
        if (idlePolls * POLL_MILLIS > lease.toMillis()) {
            idlePolls = 0;
            checkEnded();
        }
    }

    private void checkEnded() {
        record.apply(key).subscribe().with(state -> {
            if (state == null) {
                endedAs = json.createObjectNode().put("type", "error").put("code", "response_not_found")
                        .put("message", "The background response is no longer stored.");
            } else if (BackgroundRun.FINAL.contains(state.path("status").asText())) {
                ObjectNode terminal = json.createObjectNode().put("type", "response." + state.path("status").asText());
                terminal.set("response", state);
                endedAs = terminal;
            }
        }, failure -> LOG.warnf("background response %s: its record could not be read: %s", key.id(), failure.getMessage()));
    }

    private void end(ObjectNode terminal) {
        done = true;
        emitter.emit(StreamEvent.Relayed.of(terminal));
        emitter.complete();
    }
}
