package dev.baton.store;

import dev.baton.config.BatonConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Every call Baton makes to Redis goes through here: one deadline ({@code BATON_REDIS_TIMEOUT}), one bound on the calls
 * in flight ({@link InFlightBudget}: a burst beyond it is refused at once, never queued without end), one failure
 * ({@link RedisUnavailable}), one set of metrics ({@code baton_redis_commands_total{op}}, {@code baton_redis_seconds},
 * {@code baton_redis_errors_total}, {@code baton_redis_in_flight}, {@code baton_redis_in_flight_bytes},
 * {@code baton_redis_busy_total}, {@code baton_redis_expired_total}); scripts are called by SHA with the source sent
 * once when Redis lost them.
 * Absent ({@link #enabled()} false) when no {@code BATON_REDIS_URL} is set.
 */
@ApplicationScoped
public class RedisCalls {

    private final ReactiveRedisDataSource redis;
    private final RedisKeys keys;
    private final Duration timeout;
    private final MeterRegistry metrics;
    private final Timer latency;
    private final Counter errors;
    private final Counter readRetries;
    private final Counter busy;
    private final Counter expired;
    private final InFlightBudget inFlight;
    private final Map<String, Counter> commands = new ConcurrentHashMap<>();

    public RedisCalls(Instance<ReactiveRedisDataSource> redisClient, BatonConfig config, MeterRegistry metrics) {
        this.redis = config.redis().url().isPresent() ? redisClient.get() : null;
        this.keys = new RedisKeys(config.redis().keyPrefix());
        this.timeout = config.redis().timeout();
        this.metrics = metrics;
        this.latency = Timer.builder("baton_redis_seconds").description("Redis round trips").register(metrics);
        this.errors = metrics.counter("baton_redis_errors_total");
        this.readRetries = Counter.builder("baton_redis_read_retries_total")
                .description("Reads sent again once after Redis dropped the connection or refused them").register(metrics);
        this.busy = Counter.builder("baton_redis_busy_total")
                .description("Calls refused because this replica's calls in flight were at their bound").register(metrics);
        this.expired = Counter.builder("baton_redis_expired_total")
                .description("Calls dropped unsent: they waited for a connection past their deadline").register(metrics);
        this.inFlight = new InFlightBudget(config.redis().maxInFlight(), config.redis().maxInFlightBytes());
        Gauge.builder("baton_redis_in_flight", inFlight, InFlightBudget::calls)
                .description("Calls to Redis sent or waiting for a connection").register(metrics);
        Gauge.builder("baton_redis_in_flight_bytes", inFlight, InFlightBudget::bytes)
                .description("Bytes the arguments of the calls in flight hold").register(metrics);
    }

    /** Whether a Redis server backs this replica. */
    public boolean enabled() {
        return redis != null;
    }

    public RedisKeys keys() {
        return keys;
    }

    /** For what is not a command: publish/subscribe. */
    public ReactiveRedisDataSource dataSource() {
        return redis;
    }

    /**
     * Runs {@code script} on {@code key} (the key routes it to its node in a Redis Cluster; every other key it touches
     * shares the key's hash tag) by its SHA; when Redis lost it, once more with its source ({@code <name>_noscript}).
     */
    public Uni<Response> run(RedisScript script, String key, String... args) {
        return runOnKeys(script, new String[] {key}, args);
    }

    /** As {@link #run}, for a script that touches several keys: all of them share the first key's hash tag. */
    public Uni<Response> runOnKeys(RedisScript script, String[] keys, String... args) {
        String[] bySha = new String[args.length + keys.length + 2];
        bySha[0] = script.sha();
        bySha[1] = Integer.toString(keys.length);
        System.arraycopy(keys, 0, bySha, 2, keys.length);
        System.arraycopy(args, 0, bySha, 2 + keys.length, args.length);
        return call(script.name(), "EVALSHA", bySha).onFailure(RedisScript::isNoScript).recoverWithUni(() -> {
            String[] bySource = bySha.clone();
            bySource[0] = script.source();
            return call(script.name() + "_noscript", "EVAL", bySource);
        });
    }

    /**
     * Runs a script that only reads (and at most refreshes TTLs), so sending it twice is harmless: a call that failed
     * (a connection Redis dropped — a restart, a fail-over, a proxy's idle timeout) is sent once more on a fresh one
     * before the caller hears of it. A call that got no answer within the deadline is not: the deadline is the bound.
     */
    public Uni<Response> read(RedisScript script, String key, String... args) {
        return againOnceIfFailed(() -> run(script, key, args));
    }

    /** {@link #read(RedisScript, String, String...)} for one read-only command. */
    public Uni<Response> readCommand(String operation, String command, String... args) {
        return againOnceIfFailed(() -> call(operation, command, args));
    }

    private Uni<Response> againOnceIfFailed(Supplier<Uni<Response>> call) {
        return call.get().onFailure(failure -> failure instanceof RedisUnavailable unavailable
                        && unavailable.reason() == RedisUnavailable.Reason.FAILED)
                .recoverWithUni(() -> {
                    readRetries.increment();
                    return call.get();
                });
    }

    /** One command; {@code operation} names it in the metrics. */
    public Uni<Response> call(String operation, String command, String... args) {
        long started = System.nanoTime();
        commands.computeIfAbsent(operation, op -> metrics.counter("baton_redis_commands_total", "op", op)).increment();
        return heldInFlight(command, args)
                .ifNoItem().after(timeout).failWith(() -> new RedisUnavailable("Redis did not answer within " + timeout,
                        RedisUnavailable.Reason.NO_ANSWER))
                .onItemOrFailure().invoke((reply, failure) -> {
                    latency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                    if (failure != null && !RedisScript.isNoScript(failure)) {
                        errors.increment();
                    }
                })
                .onFailure(failure -> !(failure instanceof RedisUnavailable) && !RedisScript.isNoScript(failure))
                .transform(failure -> new RedisUnavailable(failure.getMessage()));
    }

    /**
     * The call, holding its share of {@link #inFlight} until Redis answers it or its connection fails — not merely
     * until its deadline: a call past its deadline may still hold a connection. One that waited for a connection past
     * its deadline is dropped unsent ({@code baton_redis_expired_total}): its caller was told it got no answer, and may
     * have sent it again, so sending it late would apply it twice or out of order.
     */
    private Uni<Response> heldInFlight(String command, String[] args) {
        return Uni.createFrom().emitter(emitter -> {
            long size = InFlightBudget.sizeOf(args);
            if (!inFlight.tryTake(size)) {
                busy.increment();
                emitter.fail(new RedisUnavailable("this replica's Redis calls in flight are at their bound "
                        + "(BATON_REDIS_MAX_IN_FLIGHT, BATON_REDIS_MAX_IN_FLIGHT_BYTES)", RedisUnavailable.Reason.BUSY));
                return;
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            Uni<RedisConnection> connected;
            Request request;
            try {
                request = Request.cmd(Command.create(command));
                for (String arg : args) {
                    request.arg(arg);
                }
                connected = redis.getRedis().connect();
            } catch (RuntimeException e) {
                inFlight.giveBack(size);
                emitter.fail(e);
                return;
            }
            connected.subscribe().with(connection -> {
                if (System.nanoTime() - deadline >= 0) {
                    connection.closeAndForget();
                    inFlight.giveBack(size);
                    expired.increment();
                    emitter.fail(new RedisUnavailable("the call waited for a Redis connection past its deadline ("
                            + timeout + ")", RedisUnavailable.Reason.NO_ANSWER));
                    return;
                }
                connection.send(request).subscribe().with(reply -> {
                    connection.closeAndForget(); // back to the pool
                    inFlight.giveBack(size);
                    emitter.complete(reply);
                }, failure -> {
                    connection.closeAndForget();
                    inFlight.giveBack(size);
                    emitter.fail(failure);
                });
            }, failure -> {
                inFlight.giveBack(size);
                emitter.fail(failure);
            });
        });
    }

    /** Puts every script into Redis's script cache, so that calls by SHA find them (start, reconnect). */
    public Uni<Void> loadScripts() {
        Uni<Void> loaded = Uni.createFrom().voidItem();
        for (RedisScript script : RedisScripts.ALL) {
            loaded = loaded.flatMap(ignored -> call("script_load", "SCRIPT", "LOAD", script.source()).replaceWithVoid());
        }
        return loaded;
    }

    public Uni<Void> ping() {
        return call("ping", "PING").replaceWithVoid();
    }
}
