package dev.baton.store;

import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;

/**
 * A record in Redis lacks a field every record of its kind has (written by another version, or damaged): a storage
 * fault, reported as one — never a {@code NullPointerException} deep in a reader.
 */
public final class PartialRecord extends RuntimeException {

    public PartialRecord(String key, String field) {
        super("the Redis record " + key + " has no " + field, null, false, false);
    }

    /** What a client is told: {@code 500 state_corrupt}, naming the record's id. */
    public static ApiException toClient(String what, String id) {
        return new ApiError(500, ApiError.SERVER_ERROR, "state_corrupt", null,
                "The stored state of " + what + " '" + id + "' cannot be read.").exception();
    }
}
