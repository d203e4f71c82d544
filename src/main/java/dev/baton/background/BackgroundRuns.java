package dev.baton.background;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.baton.config.BatonConfig;
import dev.baton.config.Offload;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.StreamEvent;
import dev.baton.session.ChainStore;
import dev.baton.session.TenantId;
import dev.baton.store.RedisCalls;
import dev.baton.turn.Turn;
import dev.baton.turn.TurnStep;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Background responses: a turn that runs detached from the request that created it, on the replica that accepted it.
 * While it runs its state is a record every replica can read — in Redis ({@link BackgroundRecords}: the response as it
 * started, the owner's lease, a cancel request), else in this replica's memory — so {@code GET} and {@code cancel}
 * work on any replica; once it ends, the chain store has it like any response (a cancelled one stays in the record,
 * retrievable, not continuable). The owner renews its lease every tenth of {@code BATON_BACKGROUND_LEASE} and learns
 * of a cancel request with the renewal; a record whose lease ran out (its replica died) is ended {@code failed} by
 * whichever replica reads it, and an owner that comes back to find it ended stops. The events go to a stream in Redis
 * ({@link EventStream}) every {@link RelayReader#POLL_MILLIS}: clients attach again on any replica with
 * {@code stream=true&starting_after=N}, and another replica shows the output so far from it. The owner keeps them in
 * memory too, bounded by {@code BATON_BACKGROUND_MAX_EVENTS}.
 */
@ApplicationScoped
public class BackgroundRuns {

    private static final Logger LOG = Logger.getLogger(BackgroundRuns.class);

    private final Map<RunKey, BackgroundRun> running = new ConcurrentHashMap<>();
    private final Cache<RunKey, ObjectNode> endedHere; // without Redis: cancelled and abandoned responses
    private final BackgroundRecords records; // null without Redis
    private final EventStream events; // null without Redis
    private final ChainStore chains;
    private final ObjectMapper json;
    private final Vertx vertx;
    private final Duration lease;
    private final int maxEvents;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter leasesLost;
    private final Counter laggingFollowers;

    public BackgroundRuns(RedisCalls redis, ChainStore chains, BatonConfig config, ObjectMapper json, Vertx vertx,
                          Offload offload, MeterRegistry metrics) {
        this.chains = chains;
        this.json = json;
        this.vertx = vertx;
        this.lease = config.background().lease();
        this.maxEvents = config.background().maxEvents();
        this.records = redis.enabled() ? new BackgroundRecords(redis, json, lease, config.store().ttl()) : null;
        this.events = redis.enabled() ? new EventStream(redis, json, offload, maxEvents) : null;
        this.endedHere = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(config.store().ttl())
                .build(); // upkeep on the common pool: many entries may expire at once, never on an event loop
        metrics.gauge("baton_background_running", inFlight);
        this.laggingFollowers = Counter.builder("baton_background_followers_lagging_total")
                .description("Clients following a background response ended for falling too far behind").register(metrics);
        this.leasesLost = Counter.builder("baton_background_leases_lost_total")
                .description("Background responses stopped by their owner because it found its lease lost").register(metrics);
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
        RunKey key = new RunKey(tenant, first.id());
        BackgroundRun run = new BackgroundRun(key, first, maxEvents, records != null);
        running.put(key, run);
        inFlight.incrementAndGet();
        Uni<Void> recorded = records == null ? Uni.createFrom().voidItem() : records.start(key, encode(first));
        return recorded.invoke(() -> {
            // timers first: an instant turn may end inside subscribe(), and its end cancels them
            if (records != null) {
                run.renewal = vertx.setPeriodic(Math.max(100, lease.toMillis() / 10), id -> renew(run));
                run.relayTimer = vertx.setPeriodic(RelayReader.POLL_MILLIS, id -> relay(run).subscribe().with(ok -> { },
                        failure -> LOG.debugf("events of %s not relayed yet: %s", key.id(), failure.getMessage())));
            }
            if (running.get(key) != run) { // it ended (failAll, a cancel) before it started: nothing runs
                vertx.cancelTimer(run.renewal);
                vertx.cancelTimer(run.relayTimer);
                turn.abandon();
                return;
            }
            run.subscription = turn.steps().subscribe().with(step -> onStep(run, step), failure -> {
                LOG.errorf(failure, "background response %s failed", key.id());
                finish(run, run.endedAs("failed", new ResponseObject.ResponseError("server_error",
                        "The background response failed on the gateway.")), End.RECORD);
            }, () -> {
            });
        }).onFailure().invoke(() -> {
            if (running.remove(key, run)) {
                inFlight.decrementAndGet();
            }
            turn.abandon();
        }).replaceWith(() -> new Started(first, run.follow(-1, laggingFollowers::increment)));
    }

    /**
     * The events after {@code startingAfter} and then the live ones to the end, for a client attaching to a background
     * response: from this replica's memory when it runs here, else from its stream in Redis, polled; a {@code null} item
     * when neither holds it.
     */
    public Uni<Multi<StreamEvent>> follow(TenantId tenant, String id, int startingAfter) {
        RunKey key = new RunKey(tenant, id);
        BackgroundRun run = running.get(key);
        if (run != null) {
            ApiError unservable = run.unservable(startingAfter);
            return unservable != null ? Uni.createFrom().failure(unservable.exception())
                    : Uni.createFrom().item(run.follow(startingAfter, laggingFollowers::increment));
        }
        if (records == null) {
            return Uni.createFrom().nullItem();
        }
        return records.exists(key).map(exists -> !exists ? null : Multi.createFrom().emitter(emitter ->
                new RelayReader(key, startingAfter, events, this::find, json, vertx, lease, emitter).start()));
    }

    /**
     * The background response's state while it is not in the chain store: running (with its output so far), cancelled
     * or abandoned; else null. A record whose owner's lease ran out is ended {@code failed} here, with the output the
     * owner relayed before it stopped.
     */
    public Uni<JsonNode> find(TenantId tenant, String id) {
        return find(new RunKey(tenant, id));
    }

    private Uni<JsonNode> find(RunKey key) {
        BackgroundRun run = running.get(key);
        if (run != null) {
            JsonNode latest = json.valueToTree(run.now()); // typed: item(Supplier) would otherwise be inferred
            return Uni.createFrom().item(latest);
        }
        if (records == null) {
            return Uni.createFrom().item(endedHere.getIfPresent(key));
        }
        return records.read(key).flatMap(record -> {
            if (record == null || record.ended()) {
                return Uni.createFrom().item(record == null ? null : record.response());
            }
            if (!record.abandoned()) {
                return withOutputSoFar(key, record.response());
            }
            // its owner stopped renewing: end it failed, keeping what it relayed (unless it was renewed meanwhile)
            return withOutputSoFar(key, record.response()).flatMap(soFar -> {
                ObjectNode failed = failedCopy(soFar, "The replica running this background response stopped before it"
                        + " finished (its lease of " + lease.toSeconds() + " s ran out).");
                return records.endIfAbandoned(key, failed.toString()).flatMap(ended -> ended
                        ? Uni.createFrom().item((JsonNode) failed) : find(key));
            });
        });
    }

    /** The record's response with the output its owner has relayed so far (the record holds it as it started). */
    private Uni<JsonNode> withOutputSoFar(RunKey key, ObjectNode response) {
        return events.outputSoFar(key).map(items -> {
            if (items != null) {
                response.set("output", items);
            }
            return response;
        });
    }

    /**
     * Cancels a running background response on whichever replica runs it; the response as it ends (cancelled, or
     * whatever it had already become), or null when there is no such background response.
     */
    public Uni<JsonNode> cancel(TenantId tenant, String id) {
        RunKey key = new RunKey(tenant, id);
        BackgroundRun run = running.get(key);
        if (run != null) {
            cancelHere(run);
            // answered once its end is recorded, so the answer is what every replica reads from now on
            return Uni.createFrom().completionStage(run.recorded).flatMap(ignored -> find(key));
        }
        if (records == null) {
            return Uni.createFrom().item(endedHere.getIfPresent(key));
        }
        return records.requestCancel(key).flatMap(ignored -> awaitFinal(key, System.nanoTime()
                + Duration.ofSeconds(5).toNanos()));
    }

    /** Polls the record alone (not the output) until it ended, its owner is gone or the deadline passed; then reads it whole. */
    private Uni<JsonNode> awaitFinal(RunKey key, long deadline) {
        return records.read(key).flatMap(record -> {
            if (record == null || record.ended() || record.abandoned() || System.nanoTime() > deadline) {
                return find(key);
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
        for (BackgroundRun run : List.copyOf(running.values())) {
            run.stop();
            finish(run, run.endedAs("failed", new ResponseObject.ResponseError("server_error", why)), End.RECORD);
        }
    }

    void onShutdown(@Observes ShutdownEvent shutdown) {
        failAll("The replica running this background response shut down before it finished.");
    }

    private void onStep(BackgroundRun run, TurnStep step) {
        run.on(step.event());
        if (step.settled() != null) {
            // the chain store holds it now (store=true is required): the record is no longer needed
            finish(run, step.settled().response(), End.CHAIN_STORE);
        }
    }

    private void renew(BackgroundRun run) {
        if (!running.containsKey(run.key)) {
            return;
        }
        long sent = System.nanoTime();
        records.renew(run.key).subscribe().with(renewal -> {
            if (!running.containsKey(run.key)) {
                return; // it ended meanwhile: its own end removed or ended the record
            }
            switch (renewal) {
                case CANCEL_REQUESTED -> cancelHere(run);
                case ENDED_ELSEWHERE -> leaseLost(run, "another replica ended it: its lease had run out");
                case GONE -> leaseLost(run, "its record is gone");
                case RENEWED -> run.renewedNanos = sent;
            }
        }, failure -> {
            LOG.warnf("background lease of %s not renewed: %s", run.key.id(), failure.getMessage());
            if (System.nanoTime() - run.renewedNanos > lease.toNanos()) {
                leaseLost(run, "not renewed for " + lease.toSeconds() + " s: another replica may end it");
            }
        });
    }

    /**
     * The owner's lease is gone (this replica stalled past it and another ended the response {@code failed}, or the
     * record went): the run stops here and keeps nothing, since the end every replica reads is already recorded.
     */
    private void leaseLost(BackgroundRun run, String why) {
        LOG.warnf("background response %s: lease lost (%s); stopping it on this replica", run.key.id(), why);
        leasesLost.increment();
        run.stop();
        finish(run, run.endedAs("failed", new ResponseObject.ResponseError("server_error",
                "The replica running this background response lost its lease before it finished.")), End.ELSEWHERE);
    }

    /**
     * This replica stored the response, but another had already ended it (this one stalled past its lease and had not
     * heard yet): the stored copy goes, so every replica answers with the recorded end and nobody continues from it.
     */
    private Uni<Void> endedElsewhere(BackgroundRun run) {
        LOG.warnf("background response %s: ended by another replica while this one finished it (lease lost); the"
                + " recorded end stands", run.key.id());
        leasesLost.increment();
        return chains.delete(run.key.tenant(), run.key.id()).replaceWithVoid();
    }

    private void cancelHere(BackgroundRun run) {
        if (run.cancelRequested) {
            return;
        }
        run.cancelRequested = true;
        run.stop();
        finish(run, run.endedAs("cancelled", null), End.RECORD);
    }

    /** Where a run's end is kept. */
    private enum End {
        /** The chain store holds the response (it ended there): the record goes. */
        CHAIN_STORE,
        /** The record keeps the end (cancelled, failed here). */
        RECORD,
        /** Another replica recorded the end already (this one lost its lease): nothing more is written. */
        ELSEWHERE
    }

    private void finish(BackgroundRun run, ResponseObject last, End end) {
        if (running.remove(run.key, run)) {
            inFlight.decrementAndGet();
        } else {
            return;
        }
        vertx.cancelTimer(run.renewal);
        vertx.cancelTimer(run.relayTimer);
        run.latest = last;
        if (end != End.CHAIN_STORE) {
            run.on(StreamEvent.Lifecycle.terminal(run.nextSequenceNumber(), last));
        }
        run.end();
        if (records == null) {
            if (end != End.CHAIN_STORE) {
                endedHere.put(run.key, json.valueToTree(last));
            }
            run.recorded.complete(null);
            return;
        }
        if (end == End.ELSEWHERE) {
            run.dropUnrelayed(); // its terminal too: followers on other replicas end with the recorded end
            run.recorded.complete(null);
            return;
        }
        // the last events reach the stream before the record changes, so a reader that sees the end has every event;
        // a relay that failed still lets the end be recorded (readers then end with the record)
        Uni<Void> ended = relay(run).onFailure().recoverWithNull().flatMap(relayed -> end == End.CHAIN_STORE
                ? records.delete(run.key).flatMap(deleted -> deleted ? Uni.createFrom().voidItem() : endedElsewhere(run))
                : records.end(run.key, encode(last)));
        ended.subscribe().with(ok -> run.recorded.complete(null), failure -> {
            LOG.warnf("background response %s: its end was not recorded: %s", run.key.id(), failure.getMessage());
            run.recorded.complete(null);
        });
    }

    /**
     * Appends the run's new events to its stream in Redis, as one entry, after every earlier append of the run has
     * completed: entries must reach the stream in the order of their events.
     */
    private Uni<Void> relay(BackgroundRun run) {
        synchronized (run) {
            CompletableFuture<Void> after = run.relayed.handle((ok, failure) -> null).thenCompose(ignored -> {
                List<StreamEvent> batch = run.takeUnrelayed();
                return batch.isEmpty() ? CompletableFuture.<Void>completedFuture(null)
                        : events.append(run.key, batch).onFailure().invoke(() -> run.returnUnrelayed(batch))
                                .subscribeAsCompletionStage();
            });
            run.relayed = after;
            return Uni.createFrom().completionStage(after);
        }
    }

    private static ObjectNode failedCopy(JsonNode response, String message) {
        ObjectNode failed = response.deepCopy();
        failed.put("status", "failed");
        failed.putObject("error").put("code", "server_error").put("message", message);
        return failed;
    }

    private String encode(ResponseObject response) {
        try {
            return json.writeValueAsString(response);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a response", e);
        }
    }
}
