package dev.baton.render;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Loads the tokenizer's vocabulary at start, so the first turn does not pay for it (~0.5 s). */
@ApplicationScoped
class TokenizerWarmUp {

    void warm(@Observes StartupEvent start) {
        TokenCounter.count("warm up the o200k_base vocabulary");
    }
}
