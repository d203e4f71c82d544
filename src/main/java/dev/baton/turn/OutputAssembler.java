package dev.baton.turn;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.engine.EngineEvent;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.protocol.ReasoningItem;
import dev.baton.protocol.StreamEvent;
import dev.baton.session.Ids;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one engine stream into Responses streaming events (PROTOCOL.md B §3.2–3.3), numbering
 * them and collecting the output items. The ids it assigns are the ids of the final response.
 * Not thread-safe: one instance per turn, fed in order.
 */
final class OutputAssembler {

    private static final String IN_PROGRESS = "in_progress";
    private static final String COMPLETED = "completed";

    private static final ArrayNode EMPTY = JsonNodeFactory.instance.arrayNode();

    private final List<Item> output = new ArrayList<>();
    private int sequence;
    private OpenItem open;
    private String compactionId;
    private int compactionIndex;

    OutputAssembler(int firstSequenceNumber) {
        this.sequence = firstSequenceNumber;
    }

    int nextSequenceNumber() {
        return sequence++;
    }

    /** Whether the output holds a function call, finished or still streaming its arguments. */
    boolean holdsFunctionCall() {
        if (open != null && open.kind == Kind.FUNCTION_CALL) {
            return true;
        }
        for (Item item : output) {
            if (item instanceof FunctionCallItem) {
                return true;
            }
        }
        return false;
    }

    List<Item> output() {
        return List.copyOf(output);
    }

    List<StreamEvent> on(EngineEvent event) {
        if (event instanceof EngineEvent.ReasoningStarted) {
            return startReasoning();
        }
        if (event instanceof EngineEvent.ReasoningDelta delta) {
            requireOpen(Kind.REASONING).text.append(delta.text());
            return List.of(StreamEvent.ReasoningText.delta(sequence++, open.id, open.index, delta.text()));
        }
        if (event instanceof EngineEvent.ReasoningEncrypted encrypted) {
            requireOpen(Kind.REASONING).encryptedContent = encrypted.encryptedContent();
            return List.of();
        }
        if (event instanceof EngineEvent.MessageStarted) {
            return startMessage();
        }
        if (event instanceof EngineEvent.FunctionCallStarted call) {
            return startFunctionCall(call);
        }
        if (event instanceof EngineEvent.TextDelta delta) {
            requireOpen(Kind.MESSAGE).text.append(delta.text());
            return List.of(new StreamEvent.OutputTextDelta(sequence++, open.id, open.index, 0, delta.text(), List.of()));
        }
        if (event instanceof EngineEvent.ArgumentsDelta delta) {
            requireOpen(Kind.FUNCTION_CALL).text.append(delta.delta());
            return List.of(new StreamEvent.FunctionCallArgumentsDelta(sequence++, open.id, open.index, delta.delta()));
        }
        if (event instanceof EngineEvent.ItemDone) {
            return finishItem();
        }
        throw new IllegalStateException("unexpected engine event " + event);
    }

    /**
     * Opens the compaction item a turn emits before its engine output ({@code context_management}): announced with
     * empty content, since its summary is still being written.
     */
    List<StreamEvent> compactionStarted() {
        closeCheck();
        compactionId = Ids.forItemType("compaction");
        compactionIndex = output.size();
        return List.of(StreamEvent.OutputItem.added(sequence++, compactionIndex, new CompactionItem(compactionId, "")));
    }

    String compactionId() {
        return compactionId;
    }

    /** The engine sampled more of the summary (the event carries none of it). */
    StreamEvent compacting() {
        return new StreamEvent.Compacting(sequence++, compactionId, compactionIndex);
    }

    /** The summary is sealed: the compaction item is done and part of the output. */
    List<StreamEvent> compactionDone(CompactionItem item) {
        output.add(item);
        return List.of(StreamEvent.OutputItem.done(sequence++, compactionIndex, item));
    }

    /** Closes an item the engine left open (a stream cut short by a stop reason). */
    List<StreamEvent> closeOpenItem() {
        return open == null ? List.of() : finishItem();
    }

    private List<StreamEvent> startReasoning() {
        closeCheck();
        open = new OpenItem(Kind.REASONING, Ids.forItemType("reasoning"), output.size(), null);
        ReasoningItem added = new ReasoningItem(open.id, IN_PROGRESS, EMPTY, null, null);
        return List.of(StreamEvent.OutputItem.added(sequence++, open.index, added));
    }

    private List<StreamEvent> startMessage() {
        closeCheck();
        open = new OpenItem(Kind.MESSAGE, Ids.message(), output.size(), null);
        MessageItem added = new MessageItem(open.id, IN_PROGRESS, MessageItem.ASSISTANT, List.of());
        return List.of(
                StreamEvent.OutputItem.added(sequence++, open.index, added),
                new StreamEvent.ContentPartEvent("response.content_part.added", sequence++, open.id, open.index, 0,
                        ContentPart.Text.output("")));
    }

    private List<StreamEvent> startFunctionCall(EngineEvent.FunctionCallStarted call) {
        closeCheck();
        open = new OpenItem(Kind.FUNCTION_CALL, Ids.functionCall(), output.size(), call);
        FunctionCallItem added = new FunctionCallItem(open.id, IN_PROGRESS, call.callId(), call.name(), "");
        return List.of(StreamEvent.OutputItem.added(sequence++, open.index, added));
    }

    private List<StreamEvent> finishItem() {
        OpenItem item = open;
        if (item == null) {
            throw new IllegalStateException("engine closed an item it never opened");
        }
        open = null;
        String text = item.text.toString();
        if (item.kind == Kind.REASONING) {
            ArrayNode content = JsonNodeFactory.instance.arrayNode();
            content.addObject().put("type", "reasoning_text").put("text", text);
            ReasoningItem done = new ReasoningItem(item.id, COMPLETED, EMPTY, content, item.encryptedContent);
            output.add(done);
            return List.of(StreamEvent.ReasoningText.done(sequence++, item.id, item.index, text),
                    StreamEvent.OutputItem.done(sequence++, item.index, done));
        }
        if (item.kind == Kind.MESSAGE) {
            ContentPart.Text part = ContentPart.Text.output(text);
            MessageItem done = new MessageItem(item.id, COMPLETED, MessageItem.ASSISTANT, List.of(part));
            output.add(done);
            return List.of(
                    new StreamEvent.OutputTextDone(sequence++, item.id, item.index, 0, text, List.of()),
                    new StreamEvent.ContentPartEvent("response.content_part.done", sequence++, item.id, item.index, 0,
                            part),
                    StreamEvent.OutputItem.done(sequence++, item.index, done));
        }
        FunctionCallItem done = new FunctionCallItem(item.id, COMPLETED, item.call.callId(), item.call.name(), text);
        output.add(done);
        return List.of(
                new StreamEvent.FunctionCallArgumentsDone(sequence++, item.id, item.index, item.call.name(), text),
                StreamEvent.OutputItem.done(sequence++, item.index, done));
    }

    private OpenItem requireOpen(Kind kind) {
        if (open == null || open.kind != kind) {
            throw new IllegalStateException("engine sent a delta for an item that is not open");
        }
        return open;
    }

    private void closeCheck() {
        if (open != null) {
            throw new IllegalStateException("engine opened an item before closing the previous one");
        }
    }

    private enum Kind { REASONING, MESSAGE, FUNCTION_CALL }

    private static final class OpenItem {
        final Kind kind;
        final String id;
        final int index;
        final EngineEvent.FunctionCallStarted call;
        final StringBuilder text = new StringBuilder();
        String encryptedContent;

        OpenItem(Kind kind, String id, int index, EngineEvent.FunctionCallStarted call) {
            this.kind = kind;
            this.id = id;
            this.index = index;
            this.call = call;
        }
    }
}
