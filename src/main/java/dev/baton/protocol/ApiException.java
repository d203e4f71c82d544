package dev.baton.protocol;

/** Carries an {@link ApiError} through reactive pipelines; transports turn it into their error shape. */
public final class ApiException extends RuntimeException {

    private final ApiError error;

    public ApiException(ApiError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public ApiError error() {
        return error;
    }
}
