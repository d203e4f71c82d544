package dev.baton.session;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports the Redis tier on {@code /q/health/ready}. Losing Redis degrades the replica, it does not
 * take it out of service: the check stays UP and says {@code state: degraded}, so a Redis outage
 * never empties the load balancer.
 */
@Readiness
@ApplicationScoped
public class RedisReadiness implements AsyncHealthCheck {

    private final TieredChainStore store;

    public RedisReadiness(TieredChainStore store) {
        this.store = store;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        if (!store.redisEnabled()) {
            return Uni.createFrom().item(HealthCheckResponse.named("state-store").up()
                    .withData("tiers", "hot").withData("redis", "not configured").build());
        }
        return store.redis().ping()
                .map(ok -> HealthCheckResponse.named("state-store").up().withData("tiers", "hot,redis")
                        .withData("redis", "up")
                        .withData("evictions", store.hearsEvictions() ? "subscribed" : "renewing").build())
                .ifNoItem().after(Duration.ofSeconds(2)).fail()
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named("state-store").up()
                        .withData("tiers", "hot").withData("redis", "unreachable")
                        .withData("state", "degraded").build());
    }
}
