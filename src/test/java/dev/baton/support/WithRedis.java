package dev.baton.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/** A test profile whose application runs against its own {@link RedisServer}; subclasses add settings. */
public class WithRedis implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(RedisServer.class));
    }

    /** The Redis key of a conversation's hash. */
    public static String conversationKey(String tenant, String conversationId) {
        return "baton:{" + HexFormat.of().formatHex(tenant.getBytes(StandardCharsets.UTF_8)) + "}:c:" + conversationId;
    }

    /** The Redis key of a running (or cancelled) background response's record. */
    public static String backgroundKey(String tenant, String responseId) {
        return "baton:{" + HexFormat.of().formatHex(tenant.getBytes(StandardCharsets.UTF_8)) + "}:bg:" + responseId;
    }

    /** The Redis key of a stored response (see docs/operations.md). */
    public static String responseKey(String tenant, String responseId) {
        return "baton:{" + HexFormat.of().formatHex(tenant.getBytes(StandardCharsets.UTF_8)) + "}:r:" + responseId;
    }
}
