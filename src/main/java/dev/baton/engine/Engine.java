package dev.baton.engine;

import io.smallrye.mutiny.Multi;
import java.util.List;
import java.util.Map;

/**
 * An inference backend. {@link #stream} runs one turn and emits its output as {@link EngineEvent}s:
 * items open and close in order (no interleaving), deltas belong to the open item, and the stream
 * ends with exactly one {@link EngineEvent.Finished}. A failure is signalled as a stream failure
 * carrying an {@link EngineException}. Cancelling the subscription must stop the upstream work.
 * Implementations never see transport types and never block the caller's thread.
 */
public interface Engine {

    /** The name used in configuration ({@code BATON_ENGINE}). */
    String name();

    Multi<EngineEvent> stream(EngineRequest request);

    /** Model ids to list on {@code GET /v1/models}. */
    List<String> models();

    /** Whether a turn for {@code model} can be served at all; {@code false} answers {@code model_not_found} before the turn starts. */
    default boolean serves(String model) {
        return true;
    }

    /** Upstream endpoint name → whether it is up; empty for engines without upstreams. */
    default Map<String, Boolean> endpointHealth() {
        return Map.of();
    }
}
