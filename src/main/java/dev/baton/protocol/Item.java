package dev.baton.protocol;

/**
 * A conversation item: what a request sends as input and what a response produces as output.
 * Items are immutable; an item that left a response keeps its id in every later context.
 */
public sealed interface Item
        permits MessageItem, FunctionCallItem, FunctionCallOutputItem, ReasoningItem, ItemReference, CompactionItem,
        OpaqueItem {

    /** The wire {@code type} of the item. */
    /** The status of an item that is whole: what an input item, which nothing is still writing, shows. */
    String COMPLETED = "completed";

    String type();

    /** The item id; {@code null} only on input items before the pipeline assigns one. */
    String id();

    /** A copy of this item carrying {@code id}. */
    Item withId(String id);

    /** True for items the model produced (assistant messages, calls, reasoning). */
    default boolean fromModel() {
        return false;
    }

    /** A rough in-memory size, used to weigh caches by bytes. */
    int estimatedBytes();
}
