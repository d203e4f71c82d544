package dev.baton.config;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Turns off Mutiny's context propagation: by default every callback of every pipeline is wrapped to carry
 * MicroProfile thread contexts (CDI request scope, security identity) across threads — a capture at
 * assembly and a save and restore of every context around each call, dozens per turn and several per
 * streamed event. Baton carries nothing in those contexts: a turn's state travels in its own objects, the
 * trace context is taken explicitly when a turn starts ({@code turn.TurnTrace}) and Vert.x keeps its own
 * context per request. Measured on a chained WebSocket turn, the wrapping was the largest single cost of
 * the per-turn path (docs/benchmarks/README.md, single-stream ceiling).
 */
@ApplicationScoped
class ReactiveCallbacks {

    private static final Logger LOG = Logger.getLogger(ReactiveCallbacks.class);

    void onStart(@Observes @Priority(1) StartupEvent started) {
        Infrastructure.clearInterceptors();
        LOG.debug("Mutiny context propagation off: callbacks run as written");
    }
}
