package dev.baton.session;

import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

/**
 * How every replica hears of deletes: a Redis pub/sub channel of {@code <tenant>\n<response id>}
 * messages, each dropping the response from this replica's hot cache.
 *
 * <p>A subscription can die silently with its connection (Redis restart, network loss), and deletes
 * published meanwhile would never reach this replica. So the replica publishes a heartbeat to itself
 * every second and renews the subscription when it stops hearing it; on each (re)subscription it also
 * puts Baton's scripts back into Redis's script cache, which a restart empties.
 */
final class EvictionChannel {

    private static final Logger LOG = Logger.getLogger(EvictionChannel.class);
    private static final long HEARTBEAT_MILLIS = 1_000;

    private final RedisTier redis;
    private final HotCache hot;
    private final Vertx vertx;
    private final String heartbeat = "heartbeat\n" + Ids.request();
    private volatile boolean subscribed;
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
            trySubscribe();
            return;
        }
        redis.dataSource().pubsub(String.class).publish(redis.evictionChannel(), heartbeat)
                .subscribe().with(ok -> {
                }, failure -> LOG.debugf("heartbeat not published: %s", failure.getMessage()));
    }

    private void trySubscribe() {
        redis.dataSource().pubsub(String.class).subscribe(redis.evictionChannel(), this::onMessage,
                        () -> subscribed = false, failure -> subscribed = false)
                .subscribe().with(subscriber -> {
                            lastHeartbeatNanos = System.nanoTime();
                            subscribed = true;
                            redis.loadScripts().subscribe().with(ok -> {
                            }, failure -> LOG.debugf("scripts not loaded yet: %s", failure.getMessage()));
                        },
                        failure -> LOG.warnf("cannot subscribe to %s yet: %s", redis.evictionChannel(), failure.getMessage()));
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
