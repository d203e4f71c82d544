package dev.baton.store;

/**
 * The calls to Redis a replica has in flight — sent, or waiting for one of the pool's connections — bounded in count
 * ({@code BATON_REDIS_MAX_IN_FLIGHT}) and in the bytes their arguments hold ({@code BATON_REDIS_MAX_IN_FLIGHT_BYTES}).
 * A call that finds either bound reached is refused at once instead of queued; one call larger than the byte bound
 * goes only when nothing else is in flight, which a replica under steady load may seldom see: keep the byte bound well
 * above the largest record (requests are at most {@code BATON_HTTP_MAX_BODY_BYTES}).
 */
final class InFlightBudget {

    private final int maxCalls;
    private final long maxBytes;
    private int calls;
    private long bytes;

    InFlightBudget(int maxCalls, long maxBytes) {
        this.maxCalls = maxCalls;
        this.maxBytes = maxBytes;
    }

    /** Takes a call of {@code size} bytes into the budget, or answers {@code false} when it does not fit. */
    synchronized boolean tryTake(long size) {
        if (calls >= maxCalls || (calls > 0 && bytes + size > maxBytes)) {
            return false;
        }
        calls++;
        bytes += size;
        return true;
    }

    /** Gives back what {@link #tryTake} took, once Redis answered the call or its connection failed. */
    synchronized void giveBack(long size) {
        calls--;
        bytes -= size;
    }

    synchronized int calls() {
        return calls;
    }

    synchronized long bytes() {
        return bytes;
    }

    /** What a call's arguments hold: their characters, a byte each (keys and ids are ASCII, records mostly so). */
    static long sizeOf(String[] args) {
        long size = 0;
        for (String arg : args) {
            size += arg.length();
        }
        return size;
    }
}
