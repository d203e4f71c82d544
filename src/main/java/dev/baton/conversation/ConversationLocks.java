package dev.baton.conversation;

import dev.baton.protocol.ApiError;
import dev.baton.session.TenantId;
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

/**
 * One turn at a time per conversation: on a replica a FIFO queue (arrival order), across replicas a lease in Redis held
 * while the turn runs (renewed, so a dead holder frees it within one lease period). A turn that cannot start within
 * {@code BATON_CONVERSATIONS_TURN_WAIT} is refused with 409 {@code conversation_busy}.
 */
final class ConversationLocks {

    static final Duration LEASE = Duration.ofSeconds(15);
    private static final long POLL_MILLIS = 25;

    private record Key(TenantId tenant, String id) {
    }

    private final Map<Key, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private final ConversationStore store;
    private final Vertx vertx;
    private final Duration wait;

    ConversationLocks(ConversationStore store, Vertx vertx, Duration wait) {
        this.store = store;
        this.vertx = vertx;
        this.wait = wait;
    }

    /** A held turn slot; {@link #release()} (idempotent) lets the next turn of the conversation start. */
    final class Held {
        private final Key key;
        private final CompletableFuture<Void> mine;
        private final String token;
        private final long renewal;
        private final AtomicBoolean released = new AtomicBoolean();

        private Held(Key key, CompletableFuture<Void> mine, String token) {
            this.key = key;
            this.mine = mine;
            this.token = token;
            this.renewal = vertx.setPeriodic(LEASE.toMillis() / 3,
                    id -> store.renew(key.tenant(), key.id(), token, LEASE).subscribe().with(ok -> { }, failure -> { }));
        }

        void release() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(renewal);
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
        return store.lease(key.tenant(), key.id(), token, LEASE).flatMap(taken -> {
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
