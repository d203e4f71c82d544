package dev.baton.render;

import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.Item;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The conversation an engine reads, as a persistent (structurally shared) list: each node is one
 * item plus everything before it. Appending is O(new items) and never copies the history, so every
 * response of a chain shares its ancestors' nodes.
 *
 * <p>Each node caches what later turns would otherwise recompute over the whole history: the
 * running prompt-token count, a running SHA-256 digest of the canonical items (equal for a chained
 * and a fully re-sent conversation), the number of model turns so far, and the nearest compaction item (so a turn
 * checks the compaction items of its history without walking the history).
 */
public final class RenderedContext {

    public static final RenderedContext EMPTY = new RenderedContext(null, null, 0, 0, 0, new byte[32], 0, null);

    /** Heap of one node besides its item: the object, its fields and its digest array. */
    static final int NODE_BYTES = 120;

    private final RenderedContext previous;
    private final Item item;
    private final int size;
    private final long tokens;
    private final int modelTurns;
    private final byte[] digest;
    private final long bytes;
    private final RenderedContext compaction; // the newest node at or before this one holding a compaction item

    private RenderedContext(RenderedContext previous, Item item, int size, long tokens, int modelTurns,
                            byte[] digest, long bytes, RenderedContext compaction) {
        this.previous = previous;
        this.compaction = item instanceof CompactionItem ? this : compaction;
        this.item = item;
        this.size = size;
        this.tokens = tokens;
        this.modelTurns = modelTurns;
        this.digest = digest;
        this.bytes = bytes;
    }

    /** This context followed by {@code items}; costs O(items), shares this context. */
    public RenderedContext append(List<? extends Item> items) {
        RenderedContext tip = this;
        MessageDigest sha = sha256();
        for (Item next : items) {
            boolean newModelTurn = next.fromModel() && (tip.item == null || !tip.item.fromModel());
            tip = new RenderedContext(tip, next, tip.size + 1, tip.tokens + ItemRendering.tokens(next),
                    tip.modelTurns + (newModelTurn ? 1 : 0), nextDigest(sha, tip.digest, next),
                    tip.bytes + NODE_BYTES + next.estimatedBytes(), tip.compaction);
        }
        return tip;
    }

    /**
     * The running digest of a context whose digest is {@code previous}, once {@code item} is appended: what
     * {@link #append} computes, for finding a cached context by the items of a request without building one.
     */
    public static byte[] nextDigest(MessageDigest sha, byte[] previous, Item item) {
        sha.update(previous);
        sha.update(ItemRendering.canonicalBytes(item));
        return sha.digest();
    }

    /** Number of items. */
    public int size() {
        return size;
    }

    /** Estimated heap this context keeps alive, its whole history included (items and nodes). */
    public long retainedBytes() {
        return bytes;
    }

    /** The context without its last {@code count} items (empty when there are fewer); O(count), shares this one. */
    public RenderedContext dropLast(int count) {
        RenderedContext node = this;
        for (int i = 0; i < count && node.item != null; i++) {
            node = node.previous;
        }
        return node;
    }

    /** Prompt tokens of all items, framing included. */
    public long tokens() {
        return tokens;
    }

    /** Runs of consecutive model items (assistant messages, calls, reasoning) so far. */
    public int modelTurns() {
        return modelTurns;
    }

    /** Running digest of the canonical items; a copy. */
    public byte[] digest() {
        return digest.clone();
    }

    /** The last item, or {@code null} when empty. */
    public Item last() {
        return item;
    }

    /** The context without its last item; {@code this} when empty. */
    public RenderedContext previous() {
        return previous == null ? this : previous;
    }

    /** The items in conversation order; O(size). */
    public List<Item> items() {
        List<Item> items = new ArrayList<>(size);
        for (RenderedContext node = this; node.item != null; node = node.previous) {
            items.add(node.item);
        }
        Collections.reverse(items);
        return items;
    }

    /** The last {@code count} items (all of them when there are fewer), in conversation order; O(count). */
    public List<Item> lastItems(int count) {
        List<Item> items = new ArrayList<>(Math.min(count, size));
        for (RenderedContext node = this; node.item != null && items.size() < count; node = node.previous) {
            items.add(node.item);
        }
        Collections.reverse(items);
        return items;
    }

    /**
     * The call ids of {@code callIds} that no {@code function_call} of the context made: one walk, newest first, that
     * stops once every one is found (the answers to the last turn's calls cost what the input costs).
     */
    public java.util.Set<String> missingCalls(java.util.Collection<String> callIds) {
        java.util.Set<String> missing = new java.util.LinkedHashSet<>(callIds);
        for (RenderedContext node = this; node.item != null && !missing.isEmpty(); node = node.previous) {
            if (node.item instanceof FunctionCallItem call) {
                missing.remove(call.callId());
            }
        }
        return missing;
    }

    /** The compaction items of this context, newest first; O(their number), whatever the context's size. */
    public List<CompactionItem> compactionItems() {
        List<CompactionItem> found = new ArrayList<>();
        for (RenderedContext node = compaction; node != null; node = node.previous == null ? null : node.previous.compaction) {
            found.add((CompactionItem) node.item);
        }
        return found;
    }

    /** Finds an item by id, newest first; O(size). */
    public Item find(String itemId) {
        for (RenderedContext node = this; node.item != null; node = node.previous) {
            if (itemId.equals(node.item.id())) {
                return node.item;
            }
        }
        return null;
    }

    /** A SHA-256 digest instance (every Java runtime has one). */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
