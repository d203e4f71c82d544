package dev.baton.engine;

/** An engine failure that becomes {@code response.failed} with {@code error.code} and message. */
public class EngineException extends RuntimeException {

    private final String code;

    public EngineException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
