package dev.baton.conversation;

import dev.baton.protocol.ApiError;
import dev.baton.session.TenantId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * One turn at a time per conversation: on a replica a FIFO queue (arrival order), across replicas a lease in Redis held
 * while the turn runs (renewed, so a dead holder frees it within one lease period). A turn that cannot start within
 * {@code BATON_CONVERSATIONS_TURN_WAIT} is refused with 409 {@code conversation_busy}.
 */
final class ConversationLocks {

    private static final long POLL_MILLIS = 25;
    private static final Logger LOG = Logger.getLogger(ConversationLocks.class);

    private record Key(TenantId tenant, String id) {
    }

    private final Map<Key, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private final ConversationStore store;
    private final Vertx vertx;
    private final Duration wait;
    private final Duration lease;
    private final Counter leasesLost;

    ConversationLocks(ConversationStore store, Vertx vertx, Duration wait, Duration lease, MeterRegistry metrics) {
        this.store = store;
        this.vertx = vertx;
        this.wait = wait;
        this.lease = lease;
        this.leasesLost = Counter.builder("baton_conversation_leases_lost_total")
                .description("Conversation turns stopped because their turn lease was lost").register(metrics);
    }

    /**
     * A held turn slot; {@link #release()} (idempotent) lets the next turn of the conversation start. Its lease is
     * renewed every third of the lease; once a renewal finds it held by nobody or by another turn, or renewals
     * failed for a whole lease, it is {@link #lost()}: the turn must stop, and must not move the conversation's head.
     */
    final class Held {
        private final Key key;
        private final CompletableFuture<Void> mine;
        private final String token;
        private final long renewal;
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile long renewedNanos = System.nanoTime();
        private final AtomicBoolean lost = new AtomicBoolean();
        /** Completes {@code true} when the lease is lost, {@code false} when the turn lets go first. */
        private final CompletableFuture<Boolean> ended = new CompletableFuture<>();

        private Held(Key key, CompletableFuture<Void> mine, String token) {
            this.key = key;
            this.mine = mine;
            this.token = token;
            this.renewal = vertx.setPeriodic(lease.toMillis() / 3, id -> renew());
        }

        /**
         * Whether the turn must stop: a renewal found the lease gone or taken, or none succeeded for a whole lease
         * (counted from when the last good one was sent, so Redis may already have let the key expire).
         */
        boolean lost() {
            if (!lost.get() && !released.get() && System.nanoTime() - renewedNanos > lease.toNanos()) {
                lose("not renewed for " + lease.toSeconds() + " s");
            }
            return lost.get();
        }

        private void renew() {
            long sent = System.nanoTime();
            store.renew(key.tenant(), key.id(), token, lease).subscribe().with(held -> {
                if (held) {
                    renewedNanos = sent;
                } else {
                    lose("another turn holds it, or it ran out");
                }
            }, failure -> {
                LOG.warnf("conversation %s: turn lease not renewed: %s", key.id(), failure.getMessage());
                lost();
            });
        }

        /** Lock-free: completing {@link #ended} stops the turn inline, which takes the engine stream's own lock. */
        private void lose(String why) {
            if (released.get() || !lost.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(renewal);
            leasesLost.increment();
            LOG.warnf("conversation %s: a running turn lost its lease (%s); stopping it", key.id(), why);
            ended.complete(true);
        }

        /**
         * Completes {@code true} the moment the lease is found lost — the turn is then stopped at once, not at its next
         * event — or {@code false} once the turn released it.
         */
        CompletableFuture<Boolean> ended() {
            return ended;
        }

        void release() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(renewal);
            ended.complete(false);
            store.release(key.tenant(), key.id(), token).subscribe().with(ok -> { }, failure -> { });
            tails.remove(key, mine);
            mine.complete(null);
        }
    }

    Uni<Held> acquire(TenantId tenant, String id) {
        Key key = new Key(tenant, id);
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> before = tails.put(key, mine);
        long deadline = System.nanoTime() + wait.toNanos();
        // on a copy: giving up waiting must not end the turn before this one
        Uni<Void> turnHere = before == null ? Uni.createFrom().voidItem()
                : Uni.createFrom().completionStage(before.copy().orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS));
        String token = UUID.randomUUID().toString();
        return turnHere.flatMap(ignored -> leaseBy(key, token, deadline))
                .map(ignored -> new Held(key, mine, token))
                .onFailure().invoke(failure -> {
                    // this turn gives up, but keeps its place: the turns queued behind it wait for the one before it
                    if (before == null) {
                        tails.remove(key, mine);
                        mine.complete(null);
                    } else {
                        before.whenComplete((done, error) -> {
                            tails.remove(key, mine);
                            mine.complete(null);
                        });
                    }
                })
                .onFailure(failure -> failure instanceof TimeoutException || failure.getCause() instanceof TimeoutException)
                .transform(failure -> busy(id));
    }

    private Uni<Void> leaseBy(Key key, String token, long deadline) {
        return store.lease(key.tenant(), key.id(), token, lease).flatMap(taken -> {
            if (taken) {
                return Uni.createFrom().voidItem();
            }
            if (System.nanoTime() > deadline) {
                return Uni.createFrom().failure(new TimeoutException());
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(POLL_MILLIS))
                    .flatMap(ignored -> leaseBy(key, token, deadline));
        });
    }

    private Throwable busy(String id) {
        return new ApiError(409, ApiError.INVALID_REQUEST, "conversation_busy", "conversation", "Another turn on"
                + " conversation '" + id + "' did not finish within " + wait.toSeconds() + " s"
                + " (BATON_CONVERSATIONS_TURN_WAIT); turns on one conversation run one at a time. Retry when it ends.")
                .exception();
    }
}
