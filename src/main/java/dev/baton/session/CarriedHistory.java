package dev.baton.session;

import dev.baton.render.RenderedContext;

/**
 * The accounting {@link HotCache} and {@link PrefixIndex} share: a chain's history is carried (weighed) by the
 * newest cached entry that extended it, and handed back to that entry's cached parent when the carrier goes.
 */
final class CarriedHistory {

    private CarriedHistory() {
    }

    /**
     * The bytes a removed carrier hands back to its cached parent: the part of the parent's context the carrier
     * carried; 0 when the parent's context is not the carrier's ancestor (same items, other nodes) or none returns.
     *
     * @param removed the removed entry's context
     * @param carried the bytes the removed entry carried besides its own
     * @param parent  the cached parent's context
     */
    static long handedBack(RenderedContext removed, long carried, RenderedContext parent) {
        if (parent == null || parent.size() > removed.size()
                || removed.dropLast(removed.size() - parent.size()) != parent) {
            return 0;
        }
        long carriedFrom = removed.retainedBytes() - carried;
        return Math.max(0, parent.retainedBytes() - carriedFrom);
    }
}
