package dev.baton.console;

import dev.baton.config.BatonConfig;
import dev.baton.engine.Engine;
import dev.baton.session.TieredChainStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What this Baton is, for the landing page and the console: version, replica, engine and models, where state lives.
 * Holds no secret: never an upstream URL, key or Redis address.
 */
@ApplicationScoped
public class ReplicaIdentity {

    private final String version;
    private final String replica;
    private final Engine engine;
    private final TieredChainStore store;
    private final long startedAt = Instant.now().toEpochMilli();
    private final BatonConfig config;

    @Inject
    public ReplicaIdentity(@ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version,
                           Engine engine, TieredChainStore store, BatonConfig config) {
        this.version = version;
        this.engine = engine;
        this.store = store;
        this.config = config;
        this.replica = replicaName();
    }

    /** The pod's name in Kubernetes ({@code HOSTNAME}), else the host's, with the process id: unique per process. */
    private static String replicaName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException | RuntimeException e) {
                host = "localhost";
            }
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    public String version() {
        return version;
    }

    public String replica() {
        return replica;
    }

    public long startedAtMillis() {
        return startedAt;
    }

    /** The engine's name ({@code simulator}, {@code openai-chat}, … or {@code routed} for an upstreams file). */
    public String engine() {
        return engine.name();
    }

    /** The models served; empty: any model the engine takes. */
    public List<String> models() {
        return engine.models();
    }

    /** Upstream endpoint name → up, sorted (empty for the simulator). */
    public Map<String, Boolean> endpoints() {
        return new TreeMap<>(engine.endpointHealth());
    }

    /** {@code redis} when replicas share state through Redis, else {@code in-memory}. */
    public String stateTier() {
        return store.redisEnabled() ? "redis" : "in-memory";
    }

    public boolean simulated() {
        return "simulator".equals(config.engine()) && config.upstreams().isEmpty();
    }
}
