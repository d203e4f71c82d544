package dev.baton.turn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.baton.engine.EngineEvent;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.protocol.ReasoningItem;
import dev.baton.protocol.StreamEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Engine events into the Responses streaming events of PROTOCOL.md B §3.2–3.3, without a server. */
class OutputAssemblerTest {

    private static List<StreamEvent> feed(OutputAssembler assembler, EngineEvent... events) {
        List<StreamEvent> out = new ArrayList<>();
        for (EngineEvent event : events) {
            out.addAll(assembler.on(event));
        }
        return out;
    }

    @Test
    void itemsAreNumberedInOrderAndCollectedAsOutput() {
        OutputAssembler assembler = new OutputAssembler(2);
        List<StreamEvent> events = feed(assembler,
                new EngineEvent.ReasoningStarted(), new EngineEvent.ReasoningDelta("hmm"), new EngineEvent.ItemDone(),
                new EngineEvent.MessageStarted(), new EngineEvent.TextDelta("he"), new EngineEvent.TextDelta("llo"),
                new EngineEvent.ItemDone(),
                new EngineEvent.FunctionCallStarted("call_1", "ls"), new EngineEvent.ArgumentsDelta("{}"),
                new EngineEvent.ItemDone());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(2 + i, events.get(i).sequenceNumber(), "sequence numbers are contiguous");
        }
        assertEquals(List.of("response.output_item.added", "response.reasoning_text.delta",
                "response.reasoning_text.done", "response.output_item.done",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done"),
                events.stream().map(StreamEvent::type).toList());
        List<Item> output = assembler.output();
        assertEquals(3, output.size());
        assertEquals("hmm", ((ReasoningItem) output.get(0)).content().get(0).get("text").asText());
        assertEquals("hello", ((dev.baton.protocol.ContentPart.Text) ((MessageItem) output.get(1)).content().get(0)).text());
        FunctionCallItem call = (FunctionCallItem) output.get(2);
        assertEquals(List.of("call_1", "ls", "{}", "completed"), List.of(call.callId(), call.name(), call.arguments(),
                call.status()));
        assertEquals(2 + events.size(), assembler.nextSequenceNumber(), "the terminal event takes the next number");
    }

    @Test
    void anItemLeftOpenIsClosedOnceAndProtocolViolationsAreRefused() {
        OutputAssembler assembler = new OutputAssembler(0);
        feed(assembler, new EngineEvent.MessageStarted(), new EngineEvent.TextDelta("cut"));
        assertEquals("response.output_item.done", assembler.closeOpenItem().get(2).type());
        assertEquals(List.of(), assembler.closeOpenItem());
        assertThrows(IllegalStateException.class, () -> assembler.on(new EngineEvent.TextDelta("no item open")));
        assertThrows(IllegalStateException.class, () -> assembler.on(new EngineEvent.ItemDone()));
        feed(assembler, new EngineEvent.MessageStarted());
        assertThrows(IllegalStateException.class, () -> assembler.on(new EngineEvent.ReasoningStarted()));
        assertThrows(IllegalStateException.class, () -> assembler.on(new EngineEvent.ArgumentsDelta("{}")));
    }
}
