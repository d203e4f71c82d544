package dev.baton.engine.tokens;

import java.util.UUID;

/** Call ids for the function calls a model writes in its text (the engine gives none). */
final class CallIds {

    private CallIds() {
    }

    static String next() {
        return "call_" + UUID.randomUUID().toString().replace("-", "");
    }
}
