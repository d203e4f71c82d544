package dev.baton.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * All of Baton's settings. Every property has a default and an environment form: {@code baton.engine}
 * is {@code BATON_ENGINE}, {@code baton.simulator.ttft-ms} is {@code BATON_SIMULATOR_TTFT_MS}, and so on.
 */
@ConfigMapping(prefix = "baton")
public interface BatonConfig {

    /** The engine that serves turns: {@code simulator} (embedded default). */
    @WithDefault("simulator")
    String engine();

    /**
     * API keys as {@code key=tenant} pairs ({@code BATON_API_KEYS=sk-a=team-a,sk-b=team-b}); a key
     * without {@code =tenant} is its own tenant. None configured: open, single tenant.
     */
    @WithName("api-keys")
    Optional<List<String>> apiKeys();

    /**
     * A YAML or JSON file of tenants, each with the SHA-256 hashes of its keys and optional limits
     * (docs/operations.md "Keys and tenants"); re-read while Baton runs. Combines with {@code BATON_API_KEYS}.
     */
    @WithName("api-keys-file")
    Optional<String> apiKeysFile();

    /** How often the keys file is checked for changes; a changed valid file takes effect at once. */
    @WithName("api-keys-file-reload")
    @WithDefault("5s")
    Duration apiKeysFileReload();

    Simulator simulator();

    Store store();

    Http http();

    WebSocket ws();

    Render render();

    Drain drain();

    Upstream upstream();

    /**
     * A YAML or JSON file of upstream endpoints (models → endpoints, per-endpoint protocol, keys and
     * headers; docs/engines.md). When set it replaces the single {@code BATON_UPSTREAM_URL} endpoint.
     */
    Optional<String> upstreams();

    /**
     * A YAML or JSON file of safety classifiers run on each turn's new input (docs/safety.md); none: safety off.
     */
    Optional<String> safety();

    /**
     * The single upstream of {@code BATON_ENGINE=openai-chat|openai-responses}, and the connection,
     * retry and health-check settings of every upstream endpoint.
     */
    interface Upstream {

        /** Base URL of an OpenAI-compatible server, e.g. {@code http://vllm:8000/v1}. */
        Optional<String> url();

        /** {@code openai-responses} only: {@code http} (SSE) or {@code websocket} (the upstream's WebSocket mode). */
        @WithDefault("http")
        String transport();

        /** Sent as {@code Authorization: Bearer}; none for local engines. */
        @WithName("api-key")
        Optional<String> apiKey();

        /** The model name sent upstream; by default each request's {@code model}. */
        Optional<String> model();

        /** {@code openai-completions}: the model's tokenizer folder ({@code tokenizer.json}, {@code tokenizer_config.json}). */
        Optional<String> tokenizer();

        /** {@code openai-completions}: a Jinja chat template file replacing the tokenizer folder's. */
        @WithName("chat-template")
        Optional<String> chatTemplate();

        /** {@code openai-completions}: {@code hermes} or {@code llama3_json}; by default the chat template's family. */
        @WithName("output-parser")
        Optional<String> outputParser();

        /** Models listed on {@code GET /v1/models}. */
        Optional<List<String>> models();

        @WithName("connect-timeout")
        @WithDefault("5s")
        Duration connectTimeout();

        /** Longest silence of an upstream stream (including before the first token) before the turn fails. */
        @WithName("idle-timeout")
        @WithDefault("120s")
        Duration idleTimeout();

        /**
         * Upstream HTTP connections per endpoint and protocol; a streaming turn holds one for its whole
         * length, so this bounds the turns in flight to one endpoint (more wait for a connection).
         */
        @WithName("max-connections")
        @WithDefault("1024")
        int maxConnections();

        /** Retries of a request that failed before its first token (connection refused, 5xx, 429), on another endpoint when there is one. */
        @WithDefault("2")
        int retries();

        /** How often each endpoint is probed ({@code GET <url>/<health-path>}); an unreachable endpoint is also marked down at once. */
        @WithName("health-interval")
        @WithDefault("5s")
        Duration healthInterval();

        /** Path probed under each endpoint's URL unless the endpoint names its own. */
        @WithName("health-path")
        @WithDefault("models")
        String healthPath();

        /** Upstream WebSocket mode: how long an idle upstream socket is kept for its chain's next turn. */
        @WithName("socket-idle-timeout")
        @WithDefault("5m")
        Duration socketIdleTimeout();

        /** Upstream WebSocket mode: idle upstream sockets kept at once; beyond it the oldest is closed. */
        @WithName("max-idle-sockets")
        @WithDefault("1024")
        int maxIdleSockets();
    }

    interface Drain {

        /** How long a SIGTERM waits for in-flight WebSocket turns before closing their sockets with 1001. */
        @WithDefault("25s")
        Duration timeout();
    }

    interface Render {

        /**
         * Inputs (and simulated outputs) larger than this are tokenized on a worker thread instead of
         * the event loop, so one huge message cannot stall the other connections of its loop.
         */
        @WithName("inline-max-bytes")
        @WithDefault("16384")
        int inlineMaxBytes();

        /** Token-in engines: bytes of rendered prompts (text and token ids) kept for the chains' next turns. */
        @WithName("prompt-cache-bytes")
        @WithDefault("268435456")
        long promptCacheBytes();

        /**
         * Full resends: bytes of recent turns' contexts (stored or not) kept so that a request which re-sends a
         * conversation Baton has seen reuses its rendered context and pays only for its new tail; 0 turns it off.
         */
        @WithName("prefix-index-bytes")
        @WithDefault("268435456")
        long prefixIndexBytes();

        /** How long an indexed context stays reusable after it was last matched. */
        @WithName("prefix-index-ttl")
        @WithDefault("1h")
        Duration prefixIndexTtl();
    }

    interface Simulator {

        /** A JSON file of scripted scenarios (see docs/engines.md); none: generated text. */
        Optional<String> script();

        /** Delay before the first output token, in milliseconds. */
        @WithName("ttft-ms")
        @WithDefault("20")
        long ttftMs();

        /** Output pacing; 0 streams as fast as the client reads. */
        @WithName("tokens-per-second")
        @WithDefault("1000")
        double tokensPerSecond();

        /** Prefill cost of each prompt token that is not in the simulated prefix cache, in microseconds. */
        @WithName("prefill-us-per-token")
        @WithDefault("20")
        double prefillMicrosPerToken();

        /** Prompt prefixes the simulated prefix cache remembers. */
        @WithName("prefix-cache-entries")
        @WithDefault("100000")
        long prefixCacheEntries();

        /** Length of generated (unscripted) replies, in words. */
        @WithName("reply-words")
        @WithDefault("24")
        int replyWords();
    }

    interface Store {

        /** Upper bound of the replica's hot response cache, in bytes (weighed per response). */
        @WithName("hot-cache-bytes")
        @WithDefault("268435456")
        long hotCacheBytes();

        /** How long a stored response stays retrievable and continuable (refreshed while its chain is used). */
        @WithDefault("30d")
        Duration ttl();
    }

    Usage usage();

    interface Usage {

        /** Where usage events go: {@code log} (one JSON line each), {@code none}, or {@code rabbitmq} (docs/operations.md). */
        @WithDefault("log")
        String sink();

        /** Events waiting for a slow or absent broker; more are dropped and counted. */
        @WithDefault("10000")
        int buffer();
    }

    Redis redis();

    interface Redis {

        /**
         * {@code redis://[user:password@]host:port[/db]}, {@code rediss://...} for TLS (CA: {@code
         * QUARKUS_TLS_REDIS_TRUST_STORE_PEM_CERTS}), or the Sentinels' addresses with {@code
         * QUARKUS_REDIS_CLIENT_TYPE=sentinel}; unset: in-memory state only (every feature but
         * cross-replica resume works).
         */
        Optional<String> url();

        /** {@code sync}: a store=true response is in Redis before response.completed; {@code async}: written after. */
        @WithDefault("sync")
        String durability();

        /**
         * When a sync write still fails after its attempts: {@code degrade} completes the response on this
         * replica only (hot tier; counted in {@code baton_redis_dropped_writes_total}), {@code fail} ends the
         * turn {@code failed} with {@code state_unavailable}.
         */
        @WithName("on-write-failure")
        @WithDefault("degrade")
        String onWriteFailure();

        /** Every this many turns a record carries the whole context, so a cold load walks at most this far. */
        @WithName("checkpoint-every")
        @WithDefault("32")
        int checkpointEvery();

        /** Deadline of one Redis call. */
        @WithDefault("2s")
        Duration timeout();

        /** Attempts of a write before the turn fails (sync) or the write is dropped and counted (async). */
        @WithName("write-attempts")
        @WithDefault("3")
        int writeAttempts();

        /** Asynchronous writes in flight at once; beyond it writes are dropped and counted, never queued. */
        @WithName("max-pending-writes")
        @WithDefault("10000")
        int maxPendingWrites();

        /** Connections this replica opens to Redis at most (the client's pool); each carries one call at a time. */
        @WithName("max-connections")
        @WithDefault("8")
        int maxConnections();

        /**
         * Calls to Redis in flight at once, sent or waiting for a connection; a call beyond it is refused at once
         * ({@code baton_redis_busy_total}): a load answers 503 {@code state_unavailable}, a write is retried as any
         * failed write.
         */
        @WithName("max-in-flight")
        @WithDefault("4096")
        int maxInFlight();

        /** Bytes the arguments of the calls in flight may hold (records being written, mostly). */
        @WithName("max-in-flight-bytes")
        @WithDefault("268435456")
        long maxInFlightBytes();

        /** Key prefix, so that several deployments can share one Redis. */
        @WithName("key-prefix")
        @WithDefault("baton")
        String keyPrefix();
    }

    Limits limits();

    Compaction compaction();

    Conversations conversations();

    Background background();

    Console console();

    /** The web console ({@code /} and {@code /console}; docs/console.md). */
    interface Console {

        /** {@code false}: no landing page and no console at all (every path answers 404 as an unknown URL). */
        @WithDefault("true")
        boolean enabled();

        /**
         * Keys that open the whole console when Baton has API keys (a tenant's API key sees only its tenant); without
         * API keys the console is open. Never an API key: these keys run no turns.
         */
        Optional<List<String>> keys();

        /** How often the live view's figures are sampled and pushed to open consoles. */
        @WithName("live-interval")
        @WithDefault("1s")
        Duration liveInterval();

        /** Live views (server-sent event streams) open at once on one replica; more get 429. */
        @WithName("max-live-streams")
        @WithDefault("32")
        int maxLiveStreams();
    }

    /** Background responses ({@code background: true} over HTTP; docs/protocol.md). */
    interface Background {

        /**
         * How long a background response's owner may go silent before any replica ends it {@code failed} (the owner
         * renews its lease every tenth of this while the turn runs).
         */
        @WithDefault("10s")
        Duration lease();

        /** Events of one running background response kept for clients that attach with {@code stream=true}. */
        @WithName("max-events")
        @WithDefault("100000")
        int maxEvents();
    }

    /** The Conversations API ({@code /v1/conversations}, {@code conversation} on create; docs/protocol.md). */
    interface Conversations {

        /** Without Redis: conversations this replica keeps (the least recently used leave first). */
        @WithName("max-local")
        @WithDefault("100000")
        long maxLocal();

        /**
         * How long a turn on a conversation waits for the one before it (turns on one conversation run one at a time,
         * in arrival order on a replica); longer, and it is refused with 409 {@code conversation_busy}.
         */
        @WithName("turn-wait")
        @WithDefault("120s")
        Duration turnWait();

        /**
         * With Redis: the lease a running turn holds on its conversation across replicas, renewed every third of it; a
         * replica that dies frees the conversation within it, and a turn whose lease was lost (not renewed in time, or
         * taken) is stopped with 409 {@code conversation_busy}.
         */
        @WithName("turn-lease")
        @WithDefault("15s")
        Duration turnLease();
    }

    /** Compaction ({@code POST /v1/responses/compact}, {@code context_management}; docs/protocol.md). */
    interface Compaction {

        /**
         * Keys that seal compaction items, as {@code id:base64} of 32 random bytes ({@code openssl rand -base64 32}),
         * comma-separated: the first seals, every one opens (rotate by putting a new key first). Every replica needs the
         * same keys. None, with Redis: one key the replicas share through Redis ({@code <prefix>:compaction:key}, made
         * by the first to start); none, without Redis: a random key for this process only (logged at start).
         */
        Optional<List<String>> keys();

        /**
         * How often a replica checks the shared key in Redis (without {@code keys}): puts its own back where Redis lost
         * it, or adopts the one there. Until a replica has read it once, it asks every second.
         */
        @WithName("shared-key-refresh")
        @WithDefault("60s")
        Duration sharedKeyRefresh();

        /** What Baton appends to a conversation to have the engine summarize it. */
        Optional<String> prompt();
    }

    /** Limits of one turn, checked before the engine runs (HTTP and WebSocket alike). */
    interface Limits {

        /** Items one request may carry in {@code input}; more is a 400 naming the limit. */
        @WithName("max-input-items")
        @WithDefault("10000")
        int maxInputItems();

        /**
         * Prompt tokens a chain's context may reach (Baton's count, o200k); a turn beyond it is refused with
         * {@code context_length_exceeded} before the engine runs. 0: no limit (the engine's own applies).
         */
        @WithName("max-context-tokens")
        @WithDefault("0")
        long maxContextTokens();

        /**
         * Turns one tenant may have running on one replica at once (HTTP, SSE and WebSocket together); one more
         * is answered 429 {@code rate_limit_exceeded}. 0: no limit. A keys file may set it per tenant.
         */
        @WithName("max-in-flight-turns")
        @WithDefault("1000")
        int maxInFlightTurns();

        /**
         * Turns one tenant may start per minute across all replicas (a token bucket in Redis holding up to a
         * minute's worth; per replica without Redis); beyond it 429 with {@code Retry-After}. 0: no limit.
         */
        @WithName("turns-per-minute")
        @WithDefault("0")
        int turnsPerMinute();

        /**
         * Bytes of one tenant's chains the hot cache keeps on one replica; beyond it that tenant's oldest entries
         * leave first, so one tenant cannot evict everyone else's. 0: no share of its own (the whole cache).
         */
        @WithName("hot-cache-bytes-per-tenant")
        @WithDefault("0")
        long hotCacheBytesPerTenant();

        /**
         * Bytes of client input one replica holds before answering it (HTTP bodies in flight, WebSocket messages
         * until their turn ends); beyond it HTTP is answered 429 and a socket pauses reading.
         */
        @WithName("inbound-bytes")
        @WithDefault("100663296")
        long inboundBytes();

        /** The same, for one tenant on one replica. */
        @WithName("inbound-bytes-per-tenant")
        @WithDefault("33554432")
        long inboundBytesPerTenant();
    }

    interface Http {

        /** Largest accepted request body, in bytes. */
        @WithName("max-body-bytes")
        @WithDefault("16777216")
        long maxBodyBytes();
    }

    interface WebSocket {

        /** Open WebSocket connections of one tenant on one replica; more upgrades get 429 rate_limit_exceeded. */
        @WithName("max-sockets-per-tenant")
        @WithDefault("1000")
        int maxSocketsPerTenant();

        /** Open WebSocket connections of one replica, all tenants together; more upgrades get 429. */
        @WithName("max-sockets")
        @WithDefault("10000")
        int maxSockets();

        /** Responses running at once on one connection, across lanes; more creates wait in their lanes. */
        @WithName("max-in-flight")
        @WithDefault("16")
        int maxInFlight();

        /** Distinct named {@code stream_id} lanes over a connection's life. */
        @WithName("max-named-lanes")
        @WithDefault("32")
        int maxNamedLanes();

        /** Creates waiting in one connection's lanes; beyond it {@code websocket_queue_full}. */
        @WithName("max-queued")
        @WithDefault("256")
        int maxQueued();

        /**
         * Steers ({@code response.steer}) queued for one response, or parked on one waiting for tool output; beyond it
         * {@code response.steer.failed} with {@code too_many_pending_steers}. Their bytes count against the
         * connection's inbound budget ({@code max-inbound-bytes}) until committed.
         */
        @WithName("max-pending-steers")
        @WithDefault("8")
        int maxPendingSteers();

        /** Connection age after which new creates are refused and the socket closes once idle. */
        @WithName("max-age")
        @WithDefault("60m")
        Duration maxAge();

        /** Largest accepted text message; larger closes the connection with 1009. */
        @WithName("max-message-bytes")
        @WithDefault("16777216")
        int maxMessageBytes();

        /**
         * Bytes of messages one connection holds (waiting to be parsed, queued or running creates); past it the
         * socket stops reading until half is answered, and a message that arrives anyway is refused with
         * {@code websocket_queue_full}. A connection holding nothing always takes one message (up to max-message-bytes).
         */
        @WithName("max-inbound-bytes")
        @WithDefault("16777216")
        long maxInboundBytes();

        /**
         * Bytes written to a connection that its reader has not taken yet; past it the connection's engine streams
         * pause until half has gone.
         */
        @WithName("outbound-queue-bytes")
        @WithDefault("262144")
        int outboundQueueBytes();

        /**
         * With permessage-deflate negotiated, the smallest frame that is compressed; smaller ones (the deltas) go
         * uncompressed, as the ws and OkHttp clients do. 0 compresses every frame.
         */
        @WithName("compress-from-bytes")
        @WithDefault("1024")
        int compressFromBytes();

        /** How long a flush may stall before the connection is closed as a slow consumer (1008). */
        @WithName("send-deadline")
        @WithDefault("30s")
        Duration sendDeadline();
    }
}
