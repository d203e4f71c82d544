package dev.baton.compaction;

import dev.baton.config.BatonConfig;
import dev.baton.session.RedisTier;
import dev.baton.session.TieredChainStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * The compaction key every replica shares when Redis is configured and {@code BATON_COMPACTION_KEYS} is not: one entry
 * ({@code <prefix>:compaction:key}, {@code <id>:<base64>}, no TTL, the same for every tenant) that the first replica to
 * start creates and every other one reads, atomically, so concurrent first starts agree.
 *
 * <p>Read once at start, blocking the start at most a Redis timeout. When Redis cannot be reached, the seal stays
 * without a key — compaction answers 503 {@code compaction_key_unavailable} — and this retries every second: a
 * private key would seal items no other replica could open. Once known, the key is put back every
 * {@code BATON_COMPACTION_SHARED_KEY_REFRESH} (a minute): a Redis that
 * lost it (flushed, or replaced by an empty one) gets the same key again from whichever replica comes first, so items
 * already sealed keep opening. A replica that finds another key in Redis than its own (one made while the key was gone)
 * adopts it for sealing, logged, and keeps opening with the keys before it ({@link CompactionSeal#SHARED_KEYS_KEPT});
 * items sealed under a key no running replica knows fail with {@code invalid_encrypted_content}.
 */
@ApplicationScoped
public class SharedSealingKey {

    private static final Logger LOG = Logger.getLogger(SharedSealingKey.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final CompactionSeal seal;
    private final RedisTier redis;
    private final Vertx vertx;
    private final Duration timeout;
    private final Duration refresh;
    private volatile String current; // the entry in use, or null while none is known
    private volatile String refused; // the last entry found in Redis that is not a key (logged once)
    private volatile boolean asking;
    private volatile long lastAskedNanos;
    private long timer = -1;

    public SharedSealingKey(CompactionSeal seal, TieredChainStore store, Vertx vertx, BatonConfig config) {
        this.seal = seal;
        this.redis = seal.usesSharedKey() ? store.redis() : null;
        this.vertx = vertx;
        this.timeout = config.redis().timeout();
        this.refresh = config.compaction().sharedKeyRefresh();
    }

    void start(@Observes StartupEvent start) {
        if (redis == null) {
            return;
        }
        String candidate = CompactionSeal.newKey("shared");
        lastAskedNanos = System.nanoTime();
        try {
            adopt(redis.compactionKey(candidate).await().atMost(timeout.plusSeconds(1)));
        } catch (RuntimeException unreachable) {
            LOG.warnf("compaction: cannot read the shared key %s from Redis yet (%s): compaction is refused (503"
                    + " compaction_key_unavailable) until it is read; retrying every %d s", redis.compactionKeyName(),
                    unreachable.getMessage(), RETRY.toSeconds());
        }
        timer = vertx.setPeriodic(RETRY.toMillis(), tick -> keep());
    }

    void stop(@Observes ShutdownEvent stop) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Every second until the key is known, then every {@code refresh}: reads it, or puts ours back where Redis lost it. */
    private void keep() {
        long now = System.nanoTime();
        if (asking || current != null && now - lastAskedNanos < refresh.toNanos()) {
            return;
        }
        asking = true;
        lastAskedNanos = now;
        String candidate = current != null ? current : CompactionSeal.newKey("shared");
        redis.compactionKey(candidate).subscribe().with(entry -> {
            asking = false;
            adopt(entry);
        }, failure -> {
            asking = false;
            LOG.debugf("compaction: the shared key was not read: %s", failure.getMessage());
        });
    }

    private void adopt(String entry) {
        String before = current;
        if (entry.equals(before) || entry.equals(refused)) {
            return;
        }
        try {
            seal.useSharedKey(entry);
        } catch (IllegalArgumentException invalid) {
            refused = entry;
            LOG.errorf("compaction: %s in Redis is not a key (%s); compaction stays %s. Delete it to have a new one"
                    + " made, or set BATON_COMPACTION_KEYS", redis.compactionKeyName(), invalid.getMessage(),
                    before == null ? "refused" : "on the key read before");
            return;
        }
        current = entry;
        if (before == null) {
            LOG.infof("compaction: sealing with the key '%s' that the replicas share through Redis (%s)",
                    seal.sealingKeyId(), redis.compactionKeyName());
        } else {
            LOG.warnf("compaction: the shared key in Redis changed to '%s' (it was lost and made again by another"
                    + " replica): this replica still opens items sealed under the previous key; a replica started"
                    + " since does not", seal.sealingKeyId());
        }
    }
}
