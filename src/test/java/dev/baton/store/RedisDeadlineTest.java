package dev.baton.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.support.WithRedis;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A call that waited for a Redis connection past its deadline is dropped unsent: its caller was told Redis did not
 * answer (and may have sent it again), so running it late would apply a write twice or out of order.
 */
@QuarkusTest
@TestProfile(RedisDeadlineTest.OneConnectionForCalls.class)
class RedisDeadlineTest {

    /** Two connections: the eviction channel's subscription holds one, calls share the other. */
    public static class OneConnectionForCalls extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.redis.max-connections", "2", "baton.redis.timeout", "300ms");
        }
    }

    private static final String MARKER = "redis-deadline-test:marker";

    @Inject
    RedisCalls redis;

    @Inject
    MeterRegistry metrics;

    private static RedisUnavailable failureOf(Uni<?> call) {
        try {
            call.await().atMost(Duration.ofSeconds(10));
        } catch (RedisUnavailable failure) {
            return failure;
        }
        throw new AssertionError("the call was expected to fail");
    }

    @Test
    void aCallThatWaitedForAConnectionPastItsDeadlineIsNeverSent() throws InterruptedException {
        double expiredBefore = metrics.counter("baton_redis_expired_total").count();
        // holds the only connection for a second, three times the deadline
        Uni<?> blocking = redis.call("test_block", "BLPOP", "redis-deadline-test:empty", "1").memoize().indefinitely();
        blocking.subscribe().with(reply -> { }, failure -> { });
        RedisUnavailable late = failureOf(redis.call("test_write", "SET", MARKER, "written late"));

        assertEquals(RedisUnavailable.Reason.NO_ANSWER, late.reason());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (metrics.counter("baton_redis_expired_total").count() < expiredBefore + 1) {
            assertTrue(System.nanoTime() < deadline, "the waiting call was dropped once the connection came back");
            Thread.sleep(20);
        }
        assertNull(redis.call("test_read", "GET", MARKER).await().atMost(Duration.ofSeconds(5)),
                "the write its caller gave up on was never applied");
        // the connection serves the next call
        assertEquals("OK", redis.call("test_write", "SET", MARKER, "in time").await().atMost(Duration.ofSeconds(5))
                .toString());
    }
}
