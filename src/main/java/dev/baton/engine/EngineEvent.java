package dev.baton.engine;

/** What an {@link Engine} emits while it generates one turn. */
public sealed interface EngineEvent {

    /**
     * The turn is being served by the named upstream endpoint (routing engines only; may repeat when
     * a failure before the first token is retried elsewhere — the last one counts).
     */
    record Routed(String endpoint) implements EngineEvent {
    }

    /** A reasoning item starts; {@link ReasoningDelta}s follow. */
    record ReasoningStarted() implements EngineEvent {
    }

    /** Reasoning text (a chat engine's {@code reasoning_content}, a Responses {@code reasoning_text}). */
    record ReasoningDelta(String text) implements EngineEvent {
    }

    /** The opaque {@code encrypted_content} of the open reasoning item, for upstreams that return one. */
    record ReasoningEncrypted(String encryptedContent) implements EngineEvent {
    }

    /** An assistant message starts; {@link TextDelta}s follow. */
    record MessageStarted() implements EngineEvent {
    }

    record TextDelta(String text) implements EngineEvent {
    }

    /** A function call starts; {@link ArgumentsDelta}s follow. */
    record FunctionCallStarted(String callId, String name) implements EngineEvent {
    }

    record ArgumentsDelta(String delta) implements EngineEvent {
    }

    /** The open item (reasoning, message or function call) is complete. */
    record ItemDone() implements EngineEvent {
    }

    /**
     * The turn ended. {@code stopReason} is {@code null} for a natural stop, or an
     * {@code incomplete_details.reason} such as {@code max_output_tokens}.
     */
    record Finished(long inputTokens, long cachedTokens, long outputTokens, long reasoningTokens, String stopReason)
            implements EngineEvent {
    }
}
