package dev.baton.store;

import java.util.List;

/**
 * Every Lua script Baton runs in Redis (the sources are {@code src/main/resources/redis/<name>.lua}). Each write
 * Baton makes is one of these, or one single command: a write never spans two calls, so a crash or a timeout between
 * them cannot leave a key without its TTL or a record half-written.
 */
public final class RedisScripts {

    public static final RedisScript LOAD = RedisScript.resource("load");
    public static final RedisScript SAVE = RedisScript.resource("save");
    public static final RedisScript DELETE = RedisScript.resource("delete");
    public static final RedisScript TURN_BUCKET = RedisScript.resource("turn_bucket");
    public static final RedisScript COMPACTION_KEY = RedisScript.resource("compaction_key");
    public static final RedisScript CONVERSATION_CREATE = RedisScript.resource("conversation_create");
    public static final RedisScript CONVERSATION_ADVANCE = RedisScript.resource("conversation_advance");
    public static final RedisScript CONVERSATION_METADATA = RedisScript.resource("conversation_metadata");
    public static final RedisScript LEASE_RENEW = RedisScript.resource("lease_renew");
    public static final RedisScript LEASE_RELEASE = RedisScript.resource("lease_release");
    public static final RedisScript BACKGROUND_START = RedisScript.resource("background_start");
    public static final RedisScript BACKGROUND_READ = RedisScript.resource("background_read");
    public static final RedisScript BACKGROUND_RENEW = RedisScript.resource("background_renew");
    public static final RedisScript BACKGROUND_CANCEL = RedisScript.resource("background_cancel");
    public static final RedisScript BACKGROUND_DELETE = RedisScript.resource("background_delete");
    public static final RedisScript BACKGROUND_END = RedisScript.resource("background_end");
    public static final RedisScript EVENTS_APPEND = RedisScript.resource("events_append");
    public static final RedisScript HOLDS = RedisScript.resource("holds");

    /** All of them: loaded into Redis's script cache at start and after each reconnect. */
    public static final List<RedisScript> ALL = List.of(LOAD, SAVE, DELETE, TURN_BUCKET, COMPACTION_KEY,
            CONVERSATION_CREATE, CONVERSATION_ADVANCE, CONVERSATION_METADATA, LEASE_RENEW, LEASE_RELEASE,
            BACKGROUND_START, BACKGROUND_READ, BACKGROUND_RENEW, BACKGROUND_CANCEL, BACKGROUND_DELETE, BACKGROUND_END, EVENTS_APPEND, HOLDS);

    private RedisScripts() {
    }
}
