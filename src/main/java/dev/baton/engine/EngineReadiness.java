package dev.baton.engine;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports the engine on {@code /q/health/ready}: its name and, for upstream engines, each endpoint's
 * health. It stays UP when endpoints are down: every Baton replica shares the same upstreams, so
 * leaving the load balancer would not help, and stored responses stay retrievable.
 */
@Readiness
@ApplicationScoped
public class EngineReadiness implements HealthCheck {

    private final Engine engine;

    public EngineReadiness(Engine engine) {
        this.engine = engine;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder health = HealthCheckResponse.named("engine").up().withData("engine", engine.name());
        Map<String, Boolean> endpoints = engine.endpointHealth();
        if (!endpoints.isEmpty()) {
            long up = endpoints.values().stream().filter(Boolean::booleanValue).count();
            health.withData("endpoints_up", up + "/" + endpoints.size());
            endpoints.forEach((name, isUp) -> health.withData("endpoint " + name, isUp ? "up" : "down"));
        }
        return health.build();
    }
}
