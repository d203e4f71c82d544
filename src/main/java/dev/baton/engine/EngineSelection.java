package dev.baton.engine;

import dev.baton.config.BatonConfig;
import dev.baton.engine.openai.ChatCompletionsEngine;
import dev.baton.engine.simulator.SimulatorEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

/** Chooses the {@link Engine} named by {@code BATON_ENGINE}; an unknown name stops the start with a clear message. */
@ApplicationScoped
public class EngineSelection {

    @Produces
    @ApplicationScoped
    Engine engine(BatonConfig config, Instance<SimulatorEngine> simulator, Instance<ChatCompletionsEngine> chat) {
        return switch (config.engine()) {
            case SimulatorEngine.NAME -> simulator.get();
            case ChatCompletionsEngine.NAME -> chat.get();
            default -> throw new IllegalStateException("Unknown engine '" + config.engine()
                    + "' in BATON_ENGINE; this build provides: " + SimulatorEngine.NAME + ", "
                    + ChatCompletionsEngine.NAME + ".");
        };
    }
}
