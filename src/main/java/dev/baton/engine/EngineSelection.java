package dev.baton.engine;

import dev.baton.config.BatonConfig;
import dev.baton.engine.simulator.SimulatorEngine;
import dev.baton.engine.upstream.Endpoint;
import dev.baton.engine.upstream.RoutedEngine;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import org.jboss.logging.Logger;

/**
 * Chooses the {@link Engine}: a {@code BATON_UPSTREAMS} file or {@code BATON_ENGINE=openai-chat|openai-responses}
 * selects the routed upstream engine, {@code simulator} (default) the embedded simulator. The engine is
 * built at start, so an unknown name or a mistake in its files (upstreams, simulator script) stops the
 * start with a message naming the file and field, instead of failing every request later.
 */
@ApplicationScoped
public class EngineSelection {

    private static final Logger LOG = Logger.getLogger(EngineSelection.class);

    void buildAtStart(@Observes @Priority(2) StartupEvent start, Engine engine) {
        LOG.infof("engine: %s, models: %s", engine.name(), engine.models().isEmpty() ? "any" : engine.models());
    }

    @Produces
    @ApplicationScoped
    Engine engine(BatonConfig config, Instance<SimulatorEngine> simulator, Instance<RoutedEngine> routed) {
        if (config.upstreams().isPresent()) {
            return routed.get();
        }
        return switch (config.engine()) {
            case SimulatorEngine.NAME -> simulator.get();
            case Endpoint.CHAT, Endpoint.RESPONSES, Endpoint.COMPLETIONS -> routed.get();
            default -> throw new IllegalStateException("Unknown engine '" + config.engine()
                    + "' in BATON_ENGINE; this build provides: " + SimulatorEngine.NAME + ", "
                    + Endpoint.CHAT + ", " + Endpoint.RESPONSES + ", " + Endpoint.COMPLETIONS
                    + " (or BATON_UPSTREAMS for several endpoints).");
        };
    }
}
