package dev.baton.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Validates every setting of {@link BatonConfig} at once, so that a mistake stops Baton at start with a
 * message naming the environment variable, its value and what it must be — a crash with a reason in
 * Kubernetes, never a replica that starts and then fails each request.
 */
public final class SettingsCheck {

    /** The WebSocket transport's own message limit (application.properties); Baton's must stay below it. */
    static final int TRANSPORT_MAX_MESSAGE_BYTES = 33_554_432;

    private final List<String> problems = new ArrayList<>();

    private SettingsCheck() {
    }

    /** Every problem found, one line each; empty when the settings are valid. */
    public static List<String> problems(BatonConfig config) {
        SettingsCheck check = new SettingsCheck();
        check.all(config);
        return List.copyOf(check.problems);
    }

    /** Throws with every problem listed when a setting is invalid. */
    public static void validate(BatonConfig config) {
        List<String> found = problems(config);
        if (!found.isEmpty()) {
            throw new IllegalStateException("Invalid settings; Baton does not start:\n  - " + String.join("\n  - ", found)
                    + "\n(see the configuration table in README.md)");
        }
    }

    private void all(BatonConfig config) {
        if (config.upstreams().isEmpty()) {
            oneOf("baton.engine", config.engine(), Set.of("simulator", "openai-chat", "openai-responses", "openai-completions"));
        }
        BatonConfig.Upstream upstream = config.upstream();
        oneOf("baton.upstream.transport", upstream.transport(), Set.of("http", "websocket"));
        positive("baton.upstream.connect-timeout", upstream.connectTimeout());
        positive("baton.upstream.idle-timeout", upstream.idleTimeout());
        atLeast("baton.upstream.max-connections", upstream.maxConnections(), 1);
        atLeast("baton.upstream.retries", upstream.retries(), 0);
        positive("baton.upstream.health-interval", upstream.healthInterval());
        positive("baton.upstream.socket-idle-timeout", upstream.socketIdleTimeout());
        atLeast("baton.upstream.max-idle-sockets", upstream.maxIdleSockets(), 0);

        BatonConfig.Simulator simulator = config.simulator();
        atLeast("baton.simulator.ttft-ms", simulator.ttftMs(), 0);
        atLeast("baton.simulator.tokens-per-second", simulator.tokensPerSecond(), 0);
        atLeast("baton.simulator.prefill-us-per-token", simulator.prefillMicrosPerToken(), 0);
        atLeast("baton.simulator.prefix-cache-entries", simulator.prefixCacheEntries(), 0);
        atLeast("baton.simulator.reply-words", simulator.replyWords(), 1);

        atLeast("baton.store.hot-cache-bytes", config.store().hotCacheBytes(), 0);
        positive("baton.store.ttl", config.store().ttl());

        BatonConfig.Redis redis = config.redis();
        redis.url().ifPresent(url -> {
            if (!url.startsWith("redis://") && !url.startsWith("rediss://") && !url.startsWith("unix://")) {
                // a mistyped URL may hide its password from any redaction: only its scheme is shown
                String scheme = url.matches("^[A-Za-z][A-Za-z0-9+.-]{0,15}:.*") ? url.substring(0, url.indexOf(':') + 1) : "";
                problems.add(env("baton.redis.url") + "=" + scheme + Secrets.MASK
                        + ": must be redis://host:port[/db] (or rediss://); the rest is not shown, it may hold a password");
            }
        });
        atLeast("baton.limits.max-input-items", config.limits().maxInputItems(), 1);
        atLeast("baton.limits.max-context-tokens", config.limits().maxContextTokens(), 0);
        atLeast("baton.limits.max-in-flight-turns", config.limits().maxInFlightTurns(), 0);
        atLeast("baton.limits.turns-per-minute", config.limits().turnsPerMinute(), 0);
        atLeast("baton.limits.hot-cache-bytes-per-tenant", config.limits().hotCacheBytesPerTenant(), 0);
        positive("baton.api-keys-file-reload", config.apiKeysFileReload());
        oneOf("baton.usage.sink", config.usage().sink(), Set.of("log", "none", "rabbitmq"));
        atLeast("baton.usage.buffer", config.usage().buffer(), 1);
        oneOf("baton.redis.durability", redis.durability(), Set.of("sync", "async"));
        oneOf("baton.redis.on-write-failure", redis.onWriteFailure(), Set.of("degrade", "fail"));
        atLeast("baton.redis.checkpoint-every", redis.checkpointEvery(), 1);
        atMost("baton.redis.checkpoint-every", redis.checkpointEvery(), 10_000);
        positive("baton.redis.timeout", redis.timeout());
        // leases are renewed every third (conversations) or tenth (background) of themselves: a second at least
        atLeast("baton.conversations.turn-lease", config.conversations().turnLease(), Duration.ofSeconds(1));
        atLeast("baton.background.lease", config.background().lease(), Duration.ofSeconds(1));
        atLeast("baton.background.max-events", config.background().maxEvents(), 1);
        positive("baton.compaction.shared-key-refresh", config.compaction().sharedKeyRefresh());
        atLeast("baton.redis.write-attempts", redis.writeAttempts(), 1);
        atLeast("baton.redis.max-pending-writes", redis.maxPendingWrites(), 0);
        atLeast("baton.redis.max-connections", redis.maxConnections(), 2); // one holds the eviction subscription
        atLeast("baton.redis.max-in-flight", redis.maxInFlight(), 1);
        atLeast("baton.redis.max-in-flight-bytes", redis.maxInFlightBytes(), 1);
        if (redis.keyPrefix().isBlank() || redis.keyPrefix().contains("{") || redis.keyPrefix().contains("}")) {
            problems.add(env("baton.redis.key-prefix") + "='" + redis.keyPrefix() + "': must be non-empty, without braces");
        }

        atLeast("baton.http.max-body-bytes", config.http().maxBodyBytes(), 1);

        BatonConfig.WebSocket ws = config.ws();
        atLeast("baton.ws.max-in-flight", ws.maxInFlight(), 1);
        atLeast("baton.ws.max-named-lanes", ws.maxNamedLanes(), 0);
        atLeast("baton.ws.max-queued", ws.maxQueued(), 1);
        atLeast("baton.ws.max-sockets-per-tenant", ws.maxSocketsPerTenant(), 1);
        atLeast("baton.ws.max-sockets", ws.maxSockets(), 1);
        positive("baton.ws.max-age", ws.maxAge());
        atLeast("baton.ws.max-message-bytes", ws.maxMessageBytes(), 1);
        atMost("baton.ws.max-message-bytes", ws.maxMessageBytes(), TRANSPORT_MAX_MESSAGE_BYTES);
        atLeast("baton.ws.outbound-queue-bytes", ws.outboundQueueBytes(), 2);
        atLeast("baton.ws.compress-from-bytes", ws.compressFromBytes(), 0);
        positive("baton.ws.send-deadline", ws.sendDeadline());

        atLeast("baton.ws.max-inbound-bytes", ws.maxInboundBytes(), 1);
        // the largest single request must fit the budgets it is checked against, or it could never be answered
        long largest = Math.max(config.http().maxBodyBytes(), ws.maxMessageBytes());
        atLeast("baton.limits.inbound-bytes-per-tenant", config.limits().inboundBytesPerTenant(), largest);
        atLeast("baton.limits.inbound-bytes", config.limits().inboundBytes(), config.limits().inboundBytesPerTenant());

        atLeast("baton.render.inline-max-bytes", config.render().inlineMaxBytes(), 0);
        atLeast("baton.render.prompt-cache-bytes", config.render().promptCacheBytes(), 0);
        atLeast("baton.render.prefix-index-bytes", config.render().prefixIndexBytes(), 0);
        positive("baton.render.prefix-index-ttl", config.render().prefixIndexTtl());
        if (config.drain().timeout().isNegative()) {
            problems.add(env("baton.drain.timeout") + "=" + config.drain().timeout() + ": must not be negative");
        }
    }

    private void oneOf(String property, String value, Set<String> allowed) {
        if (!allowed.contains(value)) {
            problems.add(env(property) + "='" + value + "': must be one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
    }

    private void atLeast(String property, double value, double minimum) {
        if (value < minimum) {
            problems.add(env(property) + "=" + format(value) + ": must be at least " + format(minimum));
        }
    }

    private void atMost(String property, double value, double maximum) {
        if (value > maximum) {
            problems.add(env(property) + "=" + format(value) + ": must be at most " + format(maximum));
        }
    }

    private void atLeast(String property, Duration value, Duration minimum) {
        if (value.compareTo(minimum) < 0) {
            problems.add(env(property) + "=" + value + ": must be at least " + minimum);
        }
    }

    private void positive(String property, Duration value) {
        if (value.isNegative() || value.isZero()) {
            problems.add(env(property) + "=" + value + ": must be longer than zero");
        }
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** {@code baton.redis.checkpoint-every} → {@code BATON_REDIS_CHECKPOINT_EVERY (baton.redis.checkpoint-every)}. */
    static String env(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + " (" + property + ")";
    }
}
