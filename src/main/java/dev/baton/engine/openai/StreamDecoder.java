package dev.baton.engine.openai;

import dev.baton.engine.EngineEvent;
import java.util.List;

/** Upstream stream bytes to engine events; one instance per upstream response, fed in order. */
interface StreamDecoder {

    /** Feeds raw bytes (split anywhere); returns the events they complete. */
    List<EngineEvent> feed(byte[] bytes);

    /** The upstream ended: the closing events, or an {@link dev.baton.engine.EngineException} if it ended too early. */
    List<EngineEvent> end();
}
