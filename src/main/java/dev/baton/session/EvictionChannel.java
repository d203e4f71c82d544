package dev.baton.session;

import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands.ReactiveRedisSubscriber;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * How every replica hears of deletes: a Redis pub/sub channel of {@code <tenant>\n<response id>}
 * messages, each dropping the response from this replica's hot cache.
 *
 * <p>A subscription can die silently with its connection (Redis restart, network loss), and deletes
 * published meanwhile would never reach this replica. So the replica publishes a heartbeat to itself
 * every second and renews the subscription when it stops hearing it; on each (re)subscription it also
 * puts Baton's scripts back into Redis's script cache, which a restart empties. A subscription holds one of the pool's
 * connections: a renewal first lets the old one go (a heartbeat that was only late must not leak a connection), and
 * one subscription is tried at a time.
 */
final class EvictionChannel {

    private static final Logger LOG = Logger.getLogger(EvictionChannel.class);
    private static final long HEARTBEAT_MILLIS = 1_000;
    /** An attempt to subscribe that has not answered by then is given up: a new one may start. */
    private static final long SUBSCRIBE_ATTEMPT_NANOS = Duration.ofSeconds(10).toNanos();

    private final RedisTier redis;
    private final HotCache hot;
    private final Vertx vertx;
    private final String heartbeat = "heartbeat\n" + Ids.request();
    // the subscription's state: changed under this object's monitor only (timer and Redis callbacks differ in thread)
    private boolean subscribed;
    private ReactiveRedisSubscriber subscriber;
    private int generation; // of the newest attempt: the end of an older subscription is not news
    private long attemptStartedNanos = -1; // of the attempt in flight, or -1
    private volatile long lastHeartbeatNanos;
    private long timer = -1;

    EvictionChannel(RedisTier redis, HotCache hot, Vertx vertx) {
        this.redis = redis;
        this.hot = hot;
        this.vertx = vertx;
    }

    void start() {
        synchronized (this) {
            trySubscribe();
        }
        timer = vertx.setPeriodic(HEARTBEAT_MILLIS, tick -> keepSubscribed());
    }

    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Tells every replica (this one included) to drop a deleted response from its hot cache. */
    io.smallrye.mutiny.Uni<Void> publish(TenantId tenant, String responseId) {
        return redis.publishEviction(tenant, responseId);
    }

    /** True while this replica demonstrably hears the channel (its own heartbeat came back lately). */
    synchronized boolean hears() {
        return subscribed && System.nanoTime() - lastHeartbeatNanos < HEARTBEAT_MILLIS * 1_500_000L;
    }

    private synchronized void keepSubscribed() {
        if (subscribed && System.nanoTime() - lastHeartbeatNanos > 3 * HEARTBEAT_MILLIS * 1_000_000L) {
            LOG.warnf("no heartbeat on %s: renewing the subscription", redis.evictionChannel());
            subscribed = false;
        }
        if (!subscribed) {
            unsubscribeOld();
            trySubscribe();
            return;
        }
        redis.dataSource().pubsub(String.class).publish(redis.evictionChannel(), heartbeat)
                .subscribe().with(ok -> {
                }, failure -> LOG.debugf("heartbeat not published: %s", failure.getMessage()));
    }

    private void unsubscribeOld() {
        ReactiveRedisSubscriber old = subscriber;
        subscriber = null;
        if (old != null) { // gives its connection back, or fails on one already dead (then gone from the pool)
            letGo(old);
        }
    }

    private static void letGo(ReactiveRedisSubscriber old) {
        old.unsubscribe().subscribe().with(ok -> {
        }, failure -> LOG.debugf("old subscription not ended: %s", failure.getMessage()));
    }

    /**
     * Starts an attempt unless one is in flight. One that does not answer is not cancelled (a cancelled attempt would
     * still take its connection, with nothing left to give it back): after a while it is superseded, and if it ever
     * answers, it is let go.
     */
    private void trySubscribe() {
        if (attemptStartedNanos >= 0 && System.nanoTime() - attemptStartedNanos < SUBSCRIBE_ATTEMPT_NANOS) {
            return;
        }
        attemptStartedNanos = System.nanoTime();
        int attempt = ++generation;
        redis.dataSource().pubsub(String.class).subscribe(redis.evictionChannel(), this::onMessage,
                        () -> lost(attempt), failure -> lost(attempt))
                .subscribe().with(renewed -> subscribed(attempt, renewed), failure -> failed(attempt, failure));
    }

    private synchronized void subscribed(int attempt, ReactiveRedisSubscriber renewed) {
        if (attempt != generation) { // superseded while it waited
            letGo(renewed);
            return;
        }
        attemptStartedNanos = -1;
        subscriber = renewed;
        lastHeartbeatNanos = System.nanoTime();
        subscribed = true;
        redis.loadScripts().subscribe().with(ok -> {
        }, failure -> LOG.debugf("scripts not loaded yet: %s", failure.getMessage()));
    }

    private synchronized void failed(int attempt, Throwable failure) {
        if (attempt == generation) {
            attemptStartedNanos = -1;
            LOG.warnf("cannot subscribe to %s yet: %s", redis.evictionChannel(), failure.getMessage());
        }
    }

    private synchronized void lost(int attempt) {
        if (attempt == generation) {
            subscribed = false;
        }
    }

    private void onMessage(String message) {
        if (message.equals(heartbeat)) {
            lastHeartbeatNanos = System.nanoTime();
            return;
        }
        int newline = message.indexOf('\n');
        if (newline > 0) {
            hot.remove(new TenantId(message.substring(0, newline)), message.substring(newline + 1));
        }
    }
}
