package dev.baton.engine.upstream;

import dev.baton.config.Secrets;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Which endpoints are up. Active: every endpoint is probed each interval ({@code GET <url>/<health_path>},
 * any 2xx is up). Passive: a turn that cannot reach an endpoint marks it down at once, so the very
 * next attempt fails over instead of waiting for the probe. Endpoints start up (optimistic) and the
 * first probe runs immediately. Transitions are logged once and exported as {@code baton_upstream_up}.
 */
final class EndpointHealth {

    private static final Logger LOG = Logger.getLogger(EndpointHealth.class);

    private final Vertx vertx;
    private final HttpClient http;
    private final List<Endpoint> endpoints;
    private final Duration interval;
    private final Map<String, Boolean> up = new ConcurrentHashMap<>();
    private long timer = -1;

    EndpointHealth(Vertx vertx, HttpClient http, List<Endpoint> endpoints, Duration interval, MeterRegistry metrics) {
        this.vertx = vertx;
        this.http = http;
        this.endpoints = endpoints;
        this.interval = interval;
        for (Endpoint endpoint : endpoints) {
            up.put(endpoint.name(), true);
            Gauge.builder("baton_upstream_up", () -> isUp(endpoint) ? 1 : 0)
                    .description("1 while the upstream endpoint passes its health checks")
                    .tag("endpoint", endpoint.name()).register(metrics);
        }
    }

    void start() {
        endpoints.forEach(this::probe);
        timer = vertx.setPeriodic(interval.toMillis(), id -> endpoints.forEach(this::probe));
    }

    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    boolean isUp(Endpoint endpoint) {
        return up.getOrDefault(endpoint.name(), false);
    }

    Map<String, Boolean> snapshot() {
        return Map.copyOf(up);
    }

    /** A turn could not reach the endpoint: down until a probe succeeds. */
    void unreachable(Endpoint endpoint, String reason) {
        set(endpoint, false, reason);
    }

    /** A probe succeeded (also used by tests). */
    void markUp(Endpoint endpoint) {
        set(endpoint, true, "health check passed");
    }

    private void probe(Endpoint endpoint) {
        long deadline = Math.max(500, Math.min(interval.toMillis(), 5000));
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
                .setAbsoluteURI(endpoint.resolve(endpoint.healthPath()).toString())
                .setConnectTimeout(deadline).setIdleTimeout(deadline);
        endpoint.headers().forEach(options::putHeader);
        http.request(options)
                .compose(request -> request.send())
                .onSuccess(response -> {
                    response.body(); // drain so the connection returns to the pool
                    if (response.statusCode() / 100 == 2) {
                        markUp(endpoint);
                    } else {
                        set(endpoint, false, "health check answered HTTP " + response.statusCode());
                    }
                })
                .onFailure(failure -> set(endpoint, false, "health check failed: " + failure.getMessage()));
    }

    private void set(Endpoint endpoint, boolean healthy, String reason) {
        Boolean before = up.put(endpoint.name(), healthy);
        if (before != null && before == healthy) {
            return;
        }
        if (healthy) {
            LOG.infof("Upstream endpoint %s (%s) is up again", endpoint.name(), Secrets.redact(endpoint.baseUrl()));
        } else {
            LOG.warnf("Upstream endpoint %s (%s) is down: %s", endpoint.name(), Secrets.redact(endpoint.baseUrl()),
                    Secrets.redact(reason));
        }
    }
}
