package dev.baton.background;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.MessageItem;
import dev.baton.protocol.StreamEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Another replica rebuilds a running response's output from the events relayed through Redis: the same as its owner. */
class PartialOutputTest {

    private final ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    @Test
    void theOutputRebuiltFromRelayedEventsIsTheOwnersAtEveryStep() {
        MessageItem message = new MessageItem("msg_1", "in_progress", MessageItem.ASSISTANT, List.of());
        MessageItem said = new MessageItem("msg_1", "completed", MessageItem.ASSISTANT,
                List.of(ContentPart.Text.output("Hello, world")));
        FunctionCallItem call = new FunctionCallItem("fc_1", "in_progress", "call_1", "lookup", "");
        List<StreamEvent> events = List.of(
                StreamEvent.OutputItem.added(1, 0, message),
                new StreamEvent.OutputTextDelta(2, "msg_1", 0, 0, "Hello, ", List.of()),
                new StreamEvent.OutputTextDelta(3, "msg_1", 0, 0, "world", List.of()),
                new StreamEvent.OutputItem("response.output_item.done", 4, 0, said),
                StreamEvent.OutputItem.added(5, 1, call),
                new StreamEvent.FunctionCallArgumentsDelta(6, "fc_1", 1, "{\"q\":\"bat"));
        PartialOutput owner = new PartialOutput();
        PartialOutput reader = new PartialOutput();
        for (StreamEvent event : events) {
            owner.on(event);
            reader.onRelayed(json.valueToTree(event));
            assertEquals(json.valueToTree(owner.items()), json.valueToTree(reader.items()), "after " + event.type());
        }
        // the call being written is cut short, incomplete, with the arguments it has so far
        assertEquals("incomplete", json.valueToTree(reader.items()).path(1).path("status").asText());
        assertEquals("{\"q\":\"bat", json.valueToTree(reader.items()).path(1).path("arguments").asText());
    }
}
