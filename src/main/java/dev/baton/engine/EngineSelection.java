package dev.baton.engine;

import dev.baton.config.BatonConfig;
import dev.baton.engine.simulator.SimulatorEngine;
import dev.baton.engine.upstream.Endpoint;
import dev.baton.engine.upstream.RoutedEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

/**
 * Chooses the {@link Engine}: a {@code BATON_UPSTREAMS} file or {@code BATON_ENGINE=openai-chat|openai-responses}
 * selects the routed upstream engine, {@code simulator} (default) the embedded simulator; an unknown
 * name stops the start with a clear message.
 */
@ApplicationScoped
public class EngineSelection {

    @Produces
    @ApplicationScoped
    Engine engine(BatonConfig config, Instance<SimulatorEngine> simulator, Instance<RoutedEngine> routed) {
        if (config.upstreams().isPresent()) {
            return routed.get();
        }
        return switch (config.engine()) {
            case SimulatorEngine.NAME -> simulator.get();
            case Endpoint.CHAT, Endpoint.RESPONSES -> routed.get();
            default -> throw new IllegalStateException("Unknown engine '" + config.engine()
                    + "' in BATON_ENGINE; this build provides: " + SimulatorEngine.NAME + ", "
                    + Endpoint.CHAT + ", " + Endpoint.RESPONSES + " (or BATON_UPSTREAMS for several endpoints).");
        };
    }
}
