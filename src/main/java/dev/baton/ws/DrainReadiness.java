package dev.baton.ws;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness goes DOWN as soon as a drain starts, so load balancers stop sending new connections. */
@Readiness
@ApplicationScoped
public class DrainReadiness implements AsyncHealthCheck {

    private final Drain drain;

    public DrainReadiness(Drain drain) {
        this.drain = drain;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return Uni.createFrom().item(HealthCheckResponse.named("drain").status(!drain.draining())
                .withData("open_websockets", drain.openSessions()).build());
    }
}
