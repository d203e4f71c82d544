package dev.baton.turn;

import dev.baton.engine.EngineEvent;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
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

    private final List<Item> output = new ArrayList<>();
    private int sequence;
    private OpenItem open;

    OutputAssembler(int firstSequenceNumber) {
        this.sequence = firstSequenceNumber;
    }

    int nextSequenceNumber() {
        return sequence++;
    }

    List<Item> output() {
        return List.copyOf(output);
    }

    List<StreamEvent> on(EngineEvent event) {
        if (event instanceof EngineEvent.MessageStarted) {
            return startMessage();
        }
        if (event instanceof EngineEvent.FunctionCallStarted call) {
            return startFunctionCall(call);
        }
        if (event instanceof EngineEvent.TextDelta delta) {
            requireOpen(true).text.append(delta.text());
            return List.of(new StreamEvent.OutputTextDelta(sequence++, open.id, open.index, 0, delta.text(), List.of()));
        }
        if (event instanceof EngineEvent.ArgumentsDelta delta) {
            requireOpen(false).text.append(delta.delta());
            return List.of(new StreamEvent.FunctionCallArgumentsDelta(sequence++, open.id, open.index, delta.delta()));
        }
        if (event instanceof EngineEvent.ItemDone) {
            return finishItem();
        }
        throw new IllegalStateException("unexpected engine event " + event);
    }

    /** Closes an item the engine left open (a stream cut short by a stop reason). */
    List<StreamEvent> closeOpenItem() {
        return open == null ? List.of() : finishItem();
    }

    private List<StreamEvent> startMessage() {
        closeCheck();
        open = new OpenItem(Ids.message(), output.size(), null);
        MessageItem added = new MessageItem(open.id, IN_PROGRESS, MessageItem.ASSISTANT, List.of());
        return List.of(
                StreamEvent.OutputItem.added(sequence++, open.index, added),
                new StreamEvent.ContentPartEvent("response.content_part.added", sequence++, open.id, open.index, 0,
                        ContentPart.Text.output("")));
    }

    private List<StreamEvent> startFunctionCall(EngineEvent.FunctionCallStarted call) {
        closeCheck();
        open = new OpenItem(Ids.functionCall(), output.size(), call);
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
        if (item.call == null) {
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

    private OpenItem requireOpen(boolean message) {
        if (open == null || (open.call == null) != message) {
            throw new IllegalStateException("engine sent a delta for an item that is not open");
        }
        return open;
    }

    private void closeCheck() {
        if (open != null) {
            throw new IllegalStateException("engine opened an item before closing the previous one");
        }
    }

    private static final class OpenItem {
        final String id;
        final int index;
        final EngineEvent.FunctionCallStarted call;
        final StringBuilder text = new StringBuilder();

        OpenItem(String id, int index, EngineEvent.FunctionCallStarted call) {
            this.id = id;
            this.index = index;
            this.call = call;
        }
    }
}
