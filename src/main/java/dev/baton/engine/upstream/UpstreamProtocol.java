package dev.baton.engine.upstream;

import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineRequest;
import io.smallrye.mutiny.Multi;

/**
 * One wire protocol spoken to upstream endpoints ({@code openai-chat}, {@code openai-responses}).
 * Same contract as {@link dev.baton.engine.Engine#stream}, for a given endpoint, without retries:
 * a failure before the first event that another attempt may cure is an {@link UpstreamFailure.Retryable}
 * ({@link UpstreamFailure.Unreachable} when the endpoint could not be reached at all).
 */
public interface UpstreamProtocol {

    /** {@code openai-chat} or {@code openai-responses}. */
    String protocol();

    Multi<EngineEvent> stream(EngineRequest request, Endpoint endpoint);

    /**
     * Reads what an endpoint needs before its first turn (a tokenizer), at start.
     *
     * @throws IllegalStateException naming the endpoint and the file when it cannot
     */
    default void prepare(Endpoint endpoint) {
    }
}
