package dev.baton.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.FunctionCallOutputItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.OpaqueItem;
import dev.baton.protocol.ReasoningItem;
import java.nio.charset.StandardCharsets;

/**
 * What an engine reads of an item: a canonical text without ids or statuses, so the same
 * conversation renders identically whether it arrived chained or re-sent in full.
 */
public final class ItemRendering {

    /** Per-item framing overhead of a chat template, in tokens (role markers, separators). */
    static final int FRAME_TOKENS = 4;

    private ItemRendering() {
    }

    public static String canonical(Item item) {
        StringBuilder out = new StringBuilder(64);
        out.append(item.type()).append('\u001f');
        if (item instanceof MessageItem m) {
            out.append(m.role());
            for (ContentPart part : m.content()) {
                out.append('\u001f').append(part.type()).append('\u001e');
                out.append(part instanceof ContentPart.Opaque o ? withoutId(o.json()) : part.text());
            }
        } else if (item instanceof FunctionCallItem f) {
            out.append(f.callId()).append('\u001f').append(f.name()).append('\u001f').append(f.arguments());
        } else if (item instanceof FunctionCallOutputItem o) {
            out.append(o.callId()).append('\u001f').append(o.outputText());
        } else if (item instanceof ReasoningItem r) {
            out.append(r.summary()).append('\u001f').append(r.content()).append('\u001f').append(r.encryptedContent());
        } else if (item instanceof OpaqueItem o) {
            out.append(o.content());
        } else if (item instanceof CompactionItem c) {
            out.append(c.encryptedContent());
        } else {
            throw new IllegalArgumentException("unresolved " + item.type() + " " + item.id());
        }
        return out.toString();
    }

    public static byte[] canonicalBytes(Item item) {
        return canonical(item).getBytes(StandardCharsets.UTF_8);
    }

    /** Prompt tokens the item costs: its text plus template framing. */
    public static int tokens(Item item) {
        return textTokens(item) + FRAME_TOKENS;
    }

    private static int textTokens(Item item) {
        if (item instanceof MessageItem m) {
            return TokenCounter.count(m.text());
        }
        if (item instanceof FunctionCallItem f) {
            return TokenCounter.count(f.name()) + TokenCounter.count(f.arguments());
        }
        if (item instanceof FunctionCallOutputItem o) {
            return TokenCounter.count(o.outputText());
        }
        if (item instanceof ReasoningItem r) {
            return r.summary() == null ? 0 : TokenCounter.count(r.summary().toString());
        }
        if (item instanceof OpaqueItem o) {
            return TokenCounter.count(o.content().toString());
        }
        if (item instanceof CompactionItem c) {
            // the summary's tokens, estimated from the sealed size (base64 of the text plus ~40 bytes of seal) at the
            // ~4 bytes per token of English: counting the summary itself would open the seal on every render
            return Math.max(1, (c.encryptedContent().length() * 3 / 4 - 40) / 4);
        }
        return 0;
    }

    private static String withoutId(JsonNode json) {
        if (!json.isObject() || !json.has("id")) {
            return json.toString();
        }
        ObjectNode copy = json.deepCopy();
        copy.remove("id");
        return copy.toString();
    }
}
