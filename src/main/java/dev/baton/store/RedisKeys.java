package dev.baton.store;

import dev.baton.session.TenantId;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Every key Baton keeps in Redis, built in one place. A tenant's keys share one hash tag ({@code {<tenant hex>}}), so
 * in a Redis Cluster they live on one node and a script may touch several of them; see docs/operations.md for what
 * each holds and its TTL.
 */
public final class RedisKeys {

    private final String prefix;

    public RedisKeys(String prefix) {
        this.prefix = prefix;
    }

    /** A response's delta record: {@code <prefix>:{<tenant>}:r:<id>}. */
    public String response(TenantId tenant, String id) {
        return responses(tenant) + id;
    }

    /** What every response record of a tenant starts with (a chain walk in a script appends the ids). */
    public String responses(TenantId tenant) {
        return tenantTag(tenant) + ":r:";
    }

    /** A conversation's hash: {@code <prefix>:{<tenant>}:c:<id>}. */
    public String conversation(TenantId tenant, String id) {
        return tenantTag(tenant) + ":c:" + id;
    }

    /** The cross-replica lease that serializes a conversation's turns. */
    public String conversationLease(TenantId tenant, String id) {
        return conversation(tenant, id) + ":lease";
    }

    /** A running (or cancelled, or abandoned) background response's record: {@code <prefix>:{<tenant>}:bg:<id>}. */
    public String background(TenantId tenant, String id) {
        return tenantTag(tenant) + ":bg:" + id;
    }

    /** A background response's events, for clients following it from other replicas: {@code ...:ev:<id>}. */
    public String backgroundEvents(TenantId tenant, String id) {
        return tenantTag(tenant) + ":ev:" + id;
    }

    /** A tenant's turns-per-minute bucket, shared by every replica. */
    public String turnBucket(TenantId tenant) {
        return tenantTag(tenant) + ":turns";
    }

    /** The deployment's compaction sealing key: the one key without a TTL (it must outlive what it sealed). */
    public String compactionKey() {
        return prefix + ":compaction:key";
    }

    /** The channel on which replicas tell each other of deleted responses. */
    public String evictionChannel() {
        return prefix + ":evictions";
    }

    private String tenantTag(TenantId tenant) {
        return prefix + ":{" + HexFormat.of().formatHex(tenant.value().getBytes(StandardCharsets.UTF_8)) + "}";
    }
}
