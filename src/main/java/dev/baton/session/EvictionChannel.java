package dev.baton.session;

import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands.ReactiveRedisSubscriber;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(10);

    private final RedisTier redis;
    private final HotCache hot;
    private final Vertx vertx;
    private final String heartbeat = "heartbeat\n" + Ids.request();
    private volatile boolean subscribed;
    private volatile ReactiveRedisSubscriber subscriber;
    private final AtomicBoolean subscribing = new AtomicBoolean();
    private final AtomicInteger generations = new AtomicInteger(); // the end of an old subscription is not news
    private volatile long lastHeartbeatNanos;
    private long timer = -1;

    EvictionChannel(RedisTier redis, HotCache hot, Vertx vertx) {
        this.redis = redis;
        this.hot = hot;
        this.vertx = vertx;
    }

    void start() {
        trySubscribe();
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
    boolean hears() {
        return subscribed && System.nanoTime() - lastHeartbeatNanos < HEARTBEAT_MILLIS * 1_500_000L;
    }

    private void keepSubscribed() {
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
            old.unsubscribe().subscribe().with(ok -> {
            }, failure -> LOG.debugf("old subscription not ended: %s", failure.getMessage()));
        }
    }

    private void trySubscribe() {
        if (!subscribing.compareAndSet(false, true)) {
            return;
        }
        int generation = generations.incrementAndGet();
        redis.dataSource().pubsub(String.class).subscribe(redis.evictionChannel(), this::onMessage,
                        () -> lost(generation), failure -> lost(generation))
                .ifNoItem().after(SUBSCRIBE_TIMEOUT).fail() // tried again at the next tick
                .subscribe().with(renewed -> {
                            subscriber = renewed;
                            lastHeartbeatNanos = System.nanoTime();
                            subscribed = true;
                            subscribing.set(false);
                            redis.loadScripts().subscribe().with(ok -> {
                            }, failure -> LOG.debugf("scripts not loaded yet: %s", failure.getMessage()));
                        },
                        failure -> {
                            subscribing.set(false);
                            LOG.warnf("cannot subscribe to %s yet: %s", redis.evictionChannel(), failure.getMessage());
                        });
    }

    private void lost(int generation) {
        if (generation == generations.get()) {
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
