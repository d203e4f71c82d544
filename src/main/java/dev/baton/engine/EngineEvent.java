package dev.baton.engine;

/** What an {@link Engine} emits while it generates one turn. */
public sealed interface EngineEvent {

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

    /** The open item (message or function call) is complete. */
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
