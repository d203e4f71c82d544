package dev.baton.safety;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.FunctionCallOutputItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The texts of a turn's new items that classifiers read — message text parts, tool outputs, call arguments —
 * and the items again with some of those texts replaced (redaction). Other items (reasoning, opaque parts)
 * carry no text a client wrote for this turn and are passed through.
 */
final class ItemTexts {

    /** Where a text sits: the item, and the content part for messages ({@code -1} otherwise). */
    record Place(int item, int part) {
    }

    private final List<Item> items;
    private final List<Place> places = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();

    ItemTexts(List<Item> items) {
        this.items = items;
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            if (item instanceof MessageItem message) {
                for (int p = 0; p < message.content().size(); p++) {
                    if (message.content().get(p) instanceof ContentPart.Text text && !text.text().isEmpty()) {
                        add(new Place(i, p), text.text());
                    }
                }
            } else if (item instanceof FunctionCallOutputItem output) {
                add(new Place(i, -1), output.outputText());
            } else if (item instanceof FunctionCallItem call) {
                add(new Place(i, -1), call.arguments());
            }
        }
    }

    private void add(Place place, String text) {
        places.add(place);
        texts.add(text);
    }

    List<Item> items() {
        return items;
    }

    List<String> texts() {
        return texts;
    }

    /** The items with the texts at the given indexes (of {@link #texts()}) replaced. */
    List<Item> replaced(Map<Integer, String> replacements) {
        List<Item> out = new ArrayList<>(items);
        replacements.forEach((index, text) -> {
            Place place = places.get(index);
            out.set(place.item(), replace(out.get(place.item()), place.part(), text));
        });
        return out;
    }

    private static Item replace(Item item, int part, String text) {
        if (item instanceof MessageItem message) {
            List<ContentPart> content = new ArrayList<>(message.content());
            ContentPart.Text old = (ContentPart.Text) content.get(part);
            content.set(part, new ContentPart.Text(old.type(), text, old.annotations()));
            return new MessageItem(message.id(), message.status(), message.role(), content);
        }
        if (item instanceof FunctionCallOutputItem output) {
            return new FunctionCallOutputItem(output.id(), output.status(), output.callId(), TextNode.valueOf(text));
        }
        FunctionCallItem call = (FunctionCallItem) item;
        return new FunctionCallItem(call.id(), call.status(), call.callId(), call.name(), text);
    }
}
