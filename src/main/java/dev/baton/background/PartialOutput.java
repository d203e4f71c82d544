package dev.baton.background;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemCodec;
import dev.baton.protocol.MessageItem;
import dev.baton.protocol.ReasoningItem;
import dev.baton.protocol.StreamEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The output a running response has produced so far, read off its stream: every finished item, and the item being
 * written with what it has so far. What a background response cancelled (or failed) midway keeps, as OpenAI's do,
 * and what a replica reading it while it runs elsewhere sees (rebuilt from the events relayed through Redis).
 * Not thread-safe: fed in order.
 */
final class PartialOutput {

    private final List<Item> done = new ArrayList<>();
    private Item open;
    private final StringBuilder openText = new StringBuilder();

    void on(StreamEvent event) {
        if (event instanceof StreamEvent.OutputItem item) {
            if (item.type().equals("response.output_item.added")) {
                open = item.item();
                openText.setLength(0);
            } else {
                done.add(item.item());
                open = null;
            }
        } else if (event instanceof StreamEvent.OutputTextDelta delta) {
            openText.append(delta.delta());
        } else if (event instanceof StreamEvent.FunctionCallArgumentsDelta delta) {
            openText.append(delta.delta());
        } else if (event instanceof StreamEvent.ReasoningText reasoning && reasoning.delta() != null) {
            openText.append(reasoning.delta());
        }
    }

    /** The same, for an event as relayed through Redis (JSON). */
    void onRelayed(JsonNode event) {
        switch (event.path("type").asText()) {
            case "response.output_item.added" -> {
                open = ItemCodec.parse(event.path("item"), "item");
                openText.setLength(0);
            }
            case "response.output_item.done" -> {
                done.add(ItemCodec.parse(event.path("item"), "item"));
                open = null;
            }
            case "response.output_text.delta", "response.function_call_arguments.delta", "response.reasoning_text.delta" ->
                    openText.append(event.path("delta").asText());
            default -> {
            }
        }
    }

    /** The items so far: the finished ones, then the one being written, marked {@code incomplete}, if any. */
    List<Item> items() {
        Item cut = cutShort();
        if (cut == null) {
            return List.copyOf(done);
        }
        List<Item> all = new ArrayList<>(done);
        all.add(cut);
        return all;
    }

    private Item cutShort() {
        String text = openText.toString();
        if (open instanceof MessageItem message) {
            return new MessageItem(message.id(), "incomplete", message.role(), List.of(ContentPart.Text.output(text)));
        }
        if (open instanceof FunctionCallItem call) {
            return new FunctionCallItem(call.id(), "incomplete", call.callId(), call.name(), text);
        }
        if (open instanceof ReasoningItem reasoning) {
            ArrayNode content = JsonNodeFactory.instance.arrayNode();
            content.addObject().put("type", "reasoning_text").put("text", text);
            return new ReasoningItem(reasoning.id(), "incomplete", reasoning.summary(), content, null);
        }
        return null; // a compaction item whose summary was not sealed yet: nothing a client could use
    }
}
