package dev.baton.engine.tokens;

import dev.baton.engine.EngineEvent;
import java.util.List;

/**
 * Turns the text a token-in engine generates into Responses items (reasoning, message text, function calls), in
 * the output format of the model's family. Text arrives in chunks split anywhere, multi-byte characters and tags
 * included. Not thread-safe: one instance per turn.
 */
public interface OutputParser {

    /** The events a chunk of generated text completes. */
    List<EngineEvent> feed(String text);

    /** Generation ended: the events of what was held back, and the open item closed. */
    List<EngineEvent> end();
}
