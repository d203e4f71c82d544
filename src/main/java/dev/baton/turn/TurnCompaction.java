package dev.baton.turn;

import dev.baton.engine.EngineRequest;
import dev.baton.protocol.CompactionItem;
import java.util.function.BiFunction;

/**
 * The compaction a turn runs before it generates ({@code context_management}, threshold passed): the engine
 * summarizes the conversation ({@code summary}), the turn emits the sealed summary as its first output item and then
 * generates on the compacted window.
 *
 * @param summary the summarization request: the whole conversation, then the summarization prompt
 * @param seal    seals the engine's summary as the compaction item with the given id; throws
 *                {@link IllegalArgumentException} when the summary is blank
 * @param answer  whether the engine answers on the window afterwards ({@code false} for a {@code compaction_trigger}:
 *                the compaction item is the whole output)
 */
record TurnCompaction(EngineRequest summary, BiFunction<String, String, CompactionItem> seal, boolean answer) {
}
