package dev.baton.background;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.StreamEvent;
import dev.baton.session.TenantId;
import dev.baton.session.TieredChainStore;
import dev.baton.turn.Turn;
import dev.baton.turn.TurnStep;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Background responses: a turn that runs detached from the request that created it, on the replica that accepted it.
 * While it runs its latest state is a record every replica can read — in Redis ({@code <prefix>:{<tenant>}:bg:<id>}:
 * the response, the owner's lease, a cancel request), else in this replica's memory — so {@code GET} and
 * {@code cancel} work on any replica; once it ends, the chain store has it like any response (a cancelled one stays
 * in the record, retrievable, not continuable). The owner renews its lease every tenth of {@code BATON_BACKGROUND_LEASE}
 * and learns of a cancel request with the renewal; a record whose lease ran out (its replica died) is ended
 * {@code failed} by whichever replica reads it. A client that streamed it can attach again on the owning replica with
 * {@code stream=true&starting_after=N}; the events are kept in memory, bounded by {@code BATON_BACKGROUND_MAX_EVENTS}.
 */
@ApplicationScoped
public class BackgroundRuns {

    private static final Logger LOG = Logger.getLogger(BackgroundRuns.class);
    private static final long RELAY_MILLIS = 100;
    /** How long a background response's events stay readable in Redis after it was last written to. */
    private static final Duration EVENTS_TTL = Duration.ofHours(1);
    private static final Set<String> FINAL = Set.of("completed", "failed", "cancelled", "incomplete");
    private static final String RENEW = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
            local t = redis.call('TIME')
            redis.call('HSET', KEYS[1], 'lease', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1]))
            if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'response', ARGV[2]) end
            if redis.call('HGET', KEYS[1], 'cancel') == '1' then return 1 end
            return 0""";
    private static final String CANCEL_IF_RUNNING = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            redis.call('HSET', KEYS[1], 'cancel', '1')
            return 1""";
    private static final String EXPIRE_IF_ABANDONED = """
            if redis.call('HGET', KEYS[1], 'final') == '1' then return 0 end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            if tonumber(redis.call('HGET', KEYS[1], 'lease') or '0') >= now then return 0 end
            redis.call('HSET', KEYS[1], 'response', ARGV[1], 'final', '1')
            return 1""";

    private record Key(TenantId tenant, String id) {
    }

    /** One background response running here. */
    private final class Run {
        final Key key;
        final List<StreamEvent> events = new ArrayList<>();
        final List<MultiEmitter<? super StreamEvent>> followers = new ArrayList<>();
        final List<StreamEvent> unrelayed = new ArrayList<>();
        /** Completes once the run's end is recorded where every replica reads it. */
        final java.util.concurrent.CompletableFuture<Void> recorded = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Void> relayed = java.util.concurrent.CompletableFuture.completedFuture(null);
        long relayTimer = -1;
        volatile ResponseObject latest;
        volatile Cancellable subscription;
        volatile boolean cancelRequested;
        long renewal = -1;
        boolean ended;
        private final PartialOutput output = new PartialOutput();
        private int nextSequenceNumber;

        Run(Key key, ResponseObject first) {
            this.key = key;
            this.latest = first;
        }

        synchronized void on(StreamEvent event) {
            output.on(event);
            nextSequenceNumber = event.sequenceNumber() + 1;
            if (events.size() < maxEvents) {
                events.add(event);
            }
            if (redis != null) {
                unrelayed.add(event);
            }
            if (event instanceof StreamEvent.Lifecycle lifecycle) {
                latest = lifecycle.response();
            }
            List.copyOf(followers).forEach(follower -> follower.emit(event)); // a follower may leave meanwhile
            if (event.terminal()) {
                end();
            }
        }

        /** The response as it stands, ended now with {@code status}: what it generated so far is kept. */
        synchronized ResponseObject endedAs(String status, ResponseObject.ResponseError error) {
            return latest.toBuilder().status(status).error(error).output(output.items()).build();
        }

        /** The response as it stands: while it runs, with what it generated so far. */
        synchronized ResponseObject now() {
            return FINAL.contains(latest.status()) ? latest : latest.toBuilder().output(output.items()).build();
        }

        synchronized int nextSequenceNumber() {
            return nextSequenceNumber;
        }

        synchronized void follow(int startingAfter, MultiEmitter<? super StreamEvent> follower) {
            for (StreamEvent event : events) {
                if (event.sequenceNumber() > startingAfter) {
                    follower.emit(event);
                }
            }
            if (ended) {
                follower.complete();
            } else {
                followers.add(follower);
                follower.onTermination(() -> unfollow(follower));
            }
        }

        synchronized void unfollow(MultiEmitter<? super StreamEvent> follower) {
            followers.remove(follower);
        }

        synchronized List<StreamEvent> takeUnrelayed() {
            List<StreamEvent> taken = List.copyOf(unrelayed);
            unrelayed.clear();
            return taken;
        }

        synchronized void end() {
            ended = true;
            List<MultiEmitter<? super StreamEvent>> leaving = List.copyOf(followers);
            followers.clear();
            leaving.forEach(MultiEmitter::complete);
        }
    }

    private final Map<Key, Run> running = new ConcurrentHashMap<>();
    private final Cache<Key, ObjectNode> endedHere; // without Redis: cancelled and abandoned responses
    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;
    private final Vertx vertx;
    private final String prefix;
    private final Duration lease;
    private final Duration timeout;
    private final long ttlMillis;
    private final int maxEvents;
    private final AtomicInteger inFlight = new AtomicInteger();

    public BackgroundRuns(TieredChainStore chains, BatonConfig config, ObjectMapper json, Vertx vertx, MeterRegistry metrics) {
        this.redis = chains.redis() == null ? null : chains.redis().dataSource();
        this.json = json;
        this.vertx = vertx;
        this.prefix = config.redis().keyPrefix();
        this.lease = config.background().lease();
        this.timeout = config.redis().timeout();
        this.ttlMillis = config.store().ttl().toMillis();
        this.maxEvents = config.background().maxEvents();
        this.endedHere = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(config.store().ttl())
                .executor(Runnable::run).build();
        metrics.gauge("baton_background_running", inFlight);
    }

    /** A background response just started: as it stands now, and its events from the first (for a streaming client). */
    public record Started(ResponseObject response, Multi<StreamEvent> events) {
    }

    /**
     * Runs {@code turn} detached from its client, once the record every replica reads exists. The events are bound to
     * this run, so a client that subscribes late (the turn may even have ended) still gets every one of them.
     */
    public Uni<Started> start(TenantId tenant, Turn turn) {
        ResponseObject first = turn.response();
        Key key = new Key(tenant, first.id());
        Run run = new Run(key, first);
        running.put(key, run);
        inFlight.incrementAndGet();
        return write(key, first).invoke(() -> {
            // timers first: an instant turn may end inside subscribe(), and its end cancels them
            run.renewal = vertx.setPeriodic(Math.max(100, lease.toMillis() / 10), id -> renew(run));
            if (redis != null) {
                run.relayTimer = vertx.setPeriodic(RELAY_MILLIS, id -> relay(run).subscribe().with(ok -> { },
                        failure -> LOG.debugf("events of %s not relayed yet: %s", key.id(), failure.getMessage())));
            }
            run.subscription = turn.steps().subscribe().with(step -> onStep(run, step), failure -> {
                LOG.errorf(failure, "background response %s failed", key.id());
                finish(run, run.endedAs("failed", new ResponseObject.ResponseError("server_error",
                        "The background response failed on the gateway.")), false);
            }, () -> {
            });
        }).onFailure().invoke(() -> {
            if (running.remove(key, run)) {
                inFlight.decrementAndGet();
            }
            turn.abandon();
        }).replaceWith(() -> new Started(first, Multi.createFrom().emitter(emitter -> run.follow(-1, emitter))));
    }

    /**
     * The events after {@code startingAfter} and then the live ones to the end, for a client attaching to a background
     * response: from this replica's memory when it runs here, else from its stream in Redis, polled; a {@code null} item
     * when neither holds it.
     */
    public Uni<Multi<StreamEvent>> follow(TenantId tenant, String id, int startingAfter) {
        Key key = new Key(tenant, id);
        Run run = running.get(key);
        if (run != null) {
            return Uni.createFrom().item(Multi.createFrom().emitter(emitter -> run.follow(startingAfter, emitter)));
        }
        if (redis == null) {
            return Uni.createFrom().nullItem();
        }
        // the record (running, its first events maybe not relayed yet) or its events (ended lately)
        return call("EXISTS", hash(key), events(key)).map(exists -> exists.toInteger() == 0 ? null
                : Multi.createFrom().emitter(emitter -> new RelayReader(key, startingAfter, emitter).start()));
    }

    /** Reads a background response's stream from Redis for a client on another replica, until its terminal event. */
    private final class RelayReader {
        private final Key key;
        private final MultiEmitter<? super StreamEvent> emitter;
        private final java.util.concurrent.atomic.AtomicBoolean polling = new java.util.concurrent.atomic.AtomicBoolean();
        private int lastSent;
        private String lastEntry = "-";
        private long timer;
        private int idlePolls;

        RelayReader(Key key, int startingAfter, MultiEmitter<? super StreamEvent> emitter) {
            this.key = key;
            this.lastSent = startingAfter;
            this.emitter = emitter;
        }

        void start() {
            timer = vertx.setPeriodic(RELAY_MILLIS, id -> poll());
            emitter.onTermination(() -> vertx.cancelTimer(timer));
            poll();
        }

        private void poll() {
            if (emitter.isCancelled() || !polling.compareAndSet(false, true)) {
                return;
            }
            String from = lastEntry.equals("-") ? "-" : "(" + lastEntry;
            call("XRANGE", events(key), from, "+", "COUNT", "100").subscribe().with(entries -> {
                try {
                    read(entries);
                } finally {
                    polling.set(false);
                }
            }, failure -> {
                polling.set(false);
                emitter.fail(failure);
            });
        }

        private void read(Response entries) {
            idlePolls = entries.size() == 0 ? idlePolls + 1 : 0;
            for (Response entry : entries) {
                lastEntry = entry.get(0).toString();
                for (JsonNode event : BackgroundRuns.this.read(entry.get(1).get("events").toString(), true)) {
                    StreamEvent.Relayed relayed = StreamEvent.Relayed.of(event);
                    if (relayed.sequenceNumber() > lastSent) {
                        lastSent = relayed.sequenceNumber();
                        emitter.emit(relayed);
                    }
                    if (relayed.terminal()) {
                        emitter.complete();
                        return;
                    }
                }
            }
            if (idlePolls * RELAY_MILLIS > lease.toMillis() * 2) { // its replica went silent: the record says how it ended
                emitter.complete();
            }
        }
    }

    /** The background response's state while it is not in the chain store: running, cancelled or abandoned; else null. */
    public Uni<JsonNode> find(TenantId tenant, String id) {
        Key key = new Key(tenant, id);
        Run run = running.get(key);
        if (run != null) {
            JsonNode latest = json.valueToTree(run.now()); // typed: item(Supplier) would otherwise be inferred
            return Uni.createFrom().item(latest);
        }
        if (redis == null) {
            return Uni.createFrom().item(endedHere.getIfPresent(key));
        }
        return call("HGET", hash(key), "response").flatMap(reply -> {
            if (reply == null) {
                return Uni.createFrom().nullItem();
            }
            ObjectNode response = read(reply.toString());
            if (FINAL.contains(response.path("status").asText())) {
                return Uni.createFrom().item(response);
            }
            ObjectNode failed = failedCopy(response, "The replica running this background response stopped before it"
                    + " finished (its lease of " + lease.toSeconds() + " s ran out).");
            return call("EVAL", EXPIRE_IF_ABANDONED, "1", hash(key), failed.toString())
                    .flatMap(ended -> ended.toInteger() == 1 ? Uni.createFrom().item((JsonNode) failed)
                            : call("HGET", hash(key), "response").map(now -> now == null ? null : read(now.toString())));
        });
    }

    /**
     * Cancels a running background response on whichever replica runs it; the response as it ends (cancelled, or
     * whatever it had already become), or null when there is no such background response.
     */
    public Uni<JsonNode> cancel(TenantId tenant, String id) {
        Key key = new Key(tenant, id);
        Run run = running.get(key);
        if (run != null) {
            cancelHere(run);
            // answered once its end is recorded, so the answer is what every replica reads from now on
            return Uni.createFrom().completionStage(run.recorded).flatMap(ignored -> find(tenant, id));
        }
        if (redis == null) {
            return Uni.createFrom().item(endedHere.getIfPresent(key));
        }
        // only a record that exists is marked: a cancel of an ended or unknown id must not leave a key without TTL
        return call("EVAL", CANCEL_IF_RUNNING, "1", hash(key)).flatMap(ignored -> awaitFinal(key, System.nanoTime()
                + Duration.ofSeconds(5).toNanos()));
    }

    private Uni<JsonNode> awaitFinal(Key key, long deadline) {
        return find(key.tenant(), key.id()).flatMap(state -> {
            if (state == null || FINAL.contains(state.path("status").asText()) || System.nanoTime() > deadline) {
                return Uni.createFrom().item(state);
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(50))
                    .flatMap(ignored -> awaitFinal(key, deadline));
        });
    }

    /** Background responses this replica runs now (drain waits for them). */
    public int running() {
        return running.size();
    }

    /** Ends every background response still running here {@code failed}: the replica is going away. */
    public void failAll(String why) {
        for (Run run : List.copyOf(running.values())) {
            Cancellable subscription = run.subscription;
            if (subscription != null) {
                subscription.cancel();
            }
            finish(run, run.endedAs("failed", new ResponseObject.ResponseError("server_error", why)), false);
        }
    }

    void onShutdown(@Observes ShutdownEvent shutdown) {
        failAll("The replica running this background response shut down before it finished.");
    }

    private void onStep(Run run, TurnStep step) {
        run.on(step.event());
        if (step.settled() != null) {
            // the chain store holds it now (store=true is required): the record is no longer needed
            finish(run, step.settled().response(), true);
        }
    }

    private void cancelHere(Run run) {
        if (run.cancelRequested) {
            return;
        }
        run.cancelRequested = true;
        Cancellable subscription = run.subscription;
        if (subscription != null) {
            subscription.cancel();
        }
        finish(run, run.endedAs("cancelled", null), false);
    }

    private void finish(Run run, ResponseObject last, boolean stored) {
        if (running.remove(run.key, run)) {
            inFlight.decrementAndGet();
        } else {
            return;
        }
        vertx.cancelTimer(run.renewal);
        vertx.cancelTimer(run.relayTimer);
        run.latest = last;
        if (!stored) {
            run.on(StreamEvent.Lifecycle.terminal(run.nextSequenceNumber(), last));
        }
        run.end();
        ObjectNode snapshot = json.valueToTree(last);
        if (redis == null) {
            if (!stored) {
                endedHere.put(run.key, snapshot);
            }
            run.recorded.complete(null);
            return;
        }
        // the last events reach the stream before the record changes, so a reader that sees the end has every event
        Uni<Response> ended = relay(run).flatMap(relayed -> stored ? call("DEL", hash(run.key))
                : call("HSET", hash(run.key), "response", snapshot.toString(), "final", "1")
                        .flatMap(ignored -> call("PEXPIRE", hash(run.key), Long.toString(ttlMillis))));
        ended.subscribe().with(ok -> run.recorded.complete(null), failure -> {
            LOG.warnf("background response %s: its end was not recorded: %s", run.key.id(), failure.getMessage());
            run.recorded.complete(null);
        });
    }

    /**
     * Appends the run's new events to its stream in Redis, as one entry (a JSON array of events), after every earlier
     * append of the run has completed: entries must reach the stream in the order of their events.
     */
    private Uni<Void> relay(Run run) {
        synchronized (run) {
            java.util.concurrent.CompletableFuture<Void> after = run.relayed.handle((ok, failure) -> null)
                    .thenCompose(ignored -> appendBatch(run).subscribeAsCompletionStage());
            run.relayed = after;
            return Uni.createFrom().completionStage(after);
        }
    }

    private Uni<Void> appendBatch(Run run) {
        List<StreamEvent> batch = run.takeUnrelayed();
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String encoded;
        try {
            encoded = json.writeValueAsString(batch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode events", e);
        }
        return call("XADD", events(run.key), "MAXLEN", "~", Integer.toString(maxEvents), "*", "events", encoded)
                .flatMap(ignored -> call("PEXPIRE", events(run.key), Long.toString(EVENTS_TTL.toMillis())))
                .replaceWithVoid();
    }

    private void renew(Run run) {
        if (redis == null || !running.containsKey(run.key)) {
            return;
        }
        call("EVAL", RENEW, "1", hash(run.key), Long.toString(lease.toMillis()), encode(run.now()))
                .subscribe().with(reply -> {
                    if (reply != null && reply.toInteger() == 1) {
                        cancelHere(run);
                    }
                }, failure -> LOG.debugf("background lease of %s not renewed: %s", run.key.id(), failure.getMessage()));
    }

    private Uni<Void> write(Key key, ResponseObject response) {
        if (redis == null) {
            return Uni.createFrom().voidItem();
        }
        return call("HSET", hash(key), "response", encode(response), "lease",
                Long.toString(System.currentTimeMillis() + lease.toMillis()))
                .flatMap(ignored -> call("PEXPIRE", hash(key), Long.toString(ttlMillis))).replaceWithVoid();
    }

    private ObjectNode failedCopy(ObjectNode response, String message) {
        ObjectNode failed = response.deepCopy();
        failed.put("status", "failed");
        failed.putObject("error").put("code", "server_error").put("message", message);
        return failed;
    }

    private Uni<Response> call(String command, String... args) {
        return redis.execute(command, args).ifNoItem().after(timeout).fail()
                .onFailure().transform(failure -> new ApiError(503, ApiError.SERVER_ERROR, "state_unavailable", null,
                        "The background response store (Redis) did not answer; retry shortly.").exception());
    }

    private String events(Key key) {
        return hash(key).replace(":bg:", ":ev:");
    }

    private String hash(Key key) {
        return prefix + ":{" + HexFormat.of().formatHex(key.tenant().value().getBytes(StandardCharsets.UTF_8)) + "}:bg:"
                + key.id();
    }

    private String encode(ResponseObject response) {
        try {
            return json.writeValueAsString(response);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a response", e);
        }
    }

    private ObjectNode read(String text) {
        return (ObjectNode) read(text, false);
    }

    private JsonNode read(String text, boolean events) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(events ? "relayed events do not read back" : "a background record does not read back", e);
        }
    }
}
