package dev.baton.protocol;

/**
 * Carries an {@link ApiError} through reactive pipelines; transports turn it into their error shape. An overload
 * refusal also carries the seconds the client should wait, which HTTP sends as {@code Retry-After}.
 */
public final class ApiException extends RuntimeException {

    private final ApiError error;
    private final int retryAfterSeconds;

    public ApiException(ApiError error) {
        this(error, 0);
    }

    public ApiException(ApiError error, int retryAfterSeconds) {
        super(error.message(), null, false, false);
        this.error = error;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public ApiError error() {
        return error;
    }

    /** Seconds to wait before retrying, or 0 when the failure says nothing about it. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
