package dev.baton.render.hf;

import java.util.Arrays;

/**
 * A byte-level BPE model's ranked merges over token ids, and the merge of one pre-token in O(n log n): the
 * symbols form a linked list over arrays and candidate pairs wait in a binary heap ordered by (rank,
 * position) — the lowest-ranked pair merges first, the leftmost among equals — as Hugging Face's Rust
 * tokenizers do. No string is built per pair, so a pre-token of any length (a 100 KiB run of letters is one
 * {@code \p{L}+} piece) costs time proportional to its length, not its square.
 */
final class BpeMerges {

    private static final long ABSENT = -1L;

    /** Open addressing: key (left id, right id) → value (rank, merged id); a key of -1 marks a free slot. */
    private final long[] keys;
    private final long[] values;
    private final int mask;
    private final int size;

    private BpeMerges(long[] keys, long[] values, int size) {
        this.keys = keys;
        this.values = values;
        this.mask = keys.length - 1;
        this.size = size;
    }

    /** Collects the merges in rank order; the first occurrence of a pair keeps its rank. */
    static final class Builder {
        private long[] pairs = new long[1024];
        private long[] results = new long[1024];
        private int count;

        /** Adds the merge of rank {@code rank}: {@code left} + {@code right} → {@code merged}. */
        void add(int left, int right, int merged, int rank) {
            if (count == pairs.length) {
                pairs = Arrays.copyOf(pairs, count * 2);
                results = Arrays.copyOf(results, count * 2);
            }
            pairs[count] = pair(left, right);
            results[count] = ((long) rank << 32) | (merged & 0xffffffffL);
            count++;
        }

        BpeMerges build() {
            int capacity = Integer.highestOneBit(Math.max(16, count * 2 + 1) * 2 - 1);
            long[] keys = new long[capacity];
            long[] values = new long[capacity];
            Arrays.fill(keys, ABSENT);
            int stored = 0;
            for (int i = 0; i < count; i++) {
                int slot = slot(pairs[i], capacity - 1);
                while (keys[slot] != ABSENT && keys[slot] != pairs[i]) {
                    slot = (slot + 1) & (capacity - 1);
                }
                if (keys[slot] == ABSENT) {
                    keys[slot] = pairs[i];
                    values[slot] = results[i];
                    stored++;
                }
            }
            return new BpeMerges(keys, values, stored);
        }
    }

    int size() {
        return size;
    }

    /** Merges {@code ids} (one symbol per byte-level character) as far as the ranked merges go. */
    int[] merge(int[] ids) {
        int n = ids.length;
        if (n < 2) {
            return ids;
        }
        int[] symbols = ids.clone();
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1;
        }
        PairHeap heap = new PairHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            offer(heap, symbols[i], symbols[i + 1], i);
        }
        int remaining = n;
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int rank = (int) (top >>> 32);
            int at = (int) top;
            int right = next[at];
            if (gone[at] || right >= n) {
                continue;
            }
            long merge = lookup(symbols[at], symbols[right]);
            if (merge == ABSENT || (int) (merge >>> 32) != rank) {
                continue; // the pair changed since it was queued; its current pair has its own entry
            }
            symbols[at] = (int) merge;
            gone[right] = true;
            remaining--;
            next[at] = next[right];
            if (next[at] < n) {
                prev[next[at]] = at;
            }
            if (prev[at] >= 0) {
                offer(heap, symbols[prev[at]], symbols[at], prev[at]);
            }
            if (next[at] < n) {
                offer(heap, symbols[at], symbols[next[at]], at);
            }
        }
        int[] merged = new int[remaining];
        for (int i = 0, k = 0; i < n; i = next[i]) {
            merged[k++] = symbols[i];
        }
        return merged;
    }

    private void offer(PairHeap heap, int left, int right, int at) {
        long merge = lookup(left, right);
        if (merge != ABSENT) {
            heap.add((merge & 0xffffffff00000000L) | at);
        }
    }

    /** (rank, merged id) of the pair, or {@link #ABSENT}. */
    private long lookup(int left, int right) {
        long key = pair(left, right);
        int slot = slot(key, mask);
        while (true) {
            long found = keys[slot];
            if (found == key) {
                return values[slot];
            }
            if (found == ABSENT) {
                return ABSENT;
            }
            slot = (slot + 1) & mask;
        }
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xffffffffL);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /** A binary min-heap of (rank, position) longs. */
    private static final class PairHeap {
        private long[] heap;
        private int size;

        PairHeap(int capacity) {
            heap = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long value) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= value) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = value;
        }

        long poll() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (last <= heap[child]) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
