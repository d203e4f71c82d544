package dev.baton.store;

import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import io.smallrye.mutiny.Uni;

/** Redis could not be reached, refused a call, did not answer in time, or this replica has too many calls in flight. */
public final class RedisUnavailable extends RuntimeException {

    /**
     * Why the call failed: a read is tried again on a {@link #FAILED} call, never past its deadline ({@link #NO_ANSWER})
     * nor when this replica's calls in flight are at their bound ({@link #BUSY}: sending it again adds to the load).
     */
    public enum Reason { FAILED, NO_ANSWER, BUSY }

    private final Reason reason;

    public RedisUnavailable(String message) {
        this(message, Reason.FAILED);
    }

    RedisUnavailable(String message, Reason reason) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** {@code call}, with a failure of this kind turned into what a client is told ({@link #toClient(String)}). */
    public static <T> Uni<T> toClient(Uni<T> call, String what) {
        return call.onFailure(RedisUnavailable.class).transform(failure -> ((RedisUnavailable) failure).toClient(what));
    }

    /**
     * What a client is told: {@code 503 state_unavailable}, naming what could not be read or written; a refusal for
     * calls in flight ({@link Reason#BUSY}) says so and asks for a retry after a second.
     */
    public ApiException toClient(String what) {
        if (reason == Reason.BUSY) { // counted in baton_redis_busy_total
            return new ApiException(new ApiError(503, ApiError.SERVER_ERROR, "state_unavailable", null, "This replica"
                    + " has too many " + what + " reads and writes in flight; retry shortly."), 1);
        }
        return new ApiError(503, ApiError.SERVER_ERROR, "state_unavailable", null,
                "The " + what + " store (Redis) did not answer; retry shortly.").exception();
    }
}
