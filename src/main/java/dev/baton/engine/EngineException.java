package dev.baton.engine;

import dev.baton.config.Secrets;

/** An engine failure that becomes {@code response.failed} with {@code error.code} and message. */
public class EngineException extends RuntimeException {

    private final String code;

    public EngineException(String code, String message) {
        super(Secrets.redact(message)); // upstream error texts can quote a key or a URL with credentials
        this.code = code;
    }

    public String code() {
        return code;
    }
}
