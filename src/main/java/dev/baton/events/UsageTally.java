package dev.baton.events;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this replica's finished responses added up to since it started, per tenant and transport, and its latest
 * {@value #RECENT_KEPT} responses: read by the console, fed by {@link UsageEvents#publish} whatever the sink. Bounded:
 * at most {@value #MAX_TENANTS} tenants are told apart (the rest add up under {@value #OTHER_TENANTS}), and the
 * recent responses are a ring. Recording is a few counter increments and one short lock, never I/O.
 */
@ApplicationScoped
public class UsageTally {

    public static final int RECENT_KEPT = 1024;
    static final int MAX_TENANTS = 1000;
    static final String OTHER_TENANTS = "(other tenants)";

    /** One tenant's (or transport's) sums. */
    public record Sums(long responses, long inputTokens, long cachedTokens, long outputTokens) {
    }

    private static final class Adders {
        final LongAdder responses = new LongAdder();
        final LongAdder inputTokens = new LongAdder();
        final LongAdder cachedTokens = new LongAdder();
        final LongAdder outputTokens = new LongAdder();

        void add(UsageEvent event) {
            responses.increment();
            inputTokens.add(event.inputTokens());
            cachedTokens.add(event.cachedTokens());
            outputTokens.add(event.outputTokens());
        }

        Sums sums() {
            return new Sums(responses.sum(), inputTokens.sum(), cachedTokens.sum(), outputTokens.sum());
        }
    }

    private final Map<String, Map<String, Adders>> byTenantAndTransport = new ConcurrentHashMap<>();
    private final UsageEvent[] recent = new UsageEvent[RECENT_KEPT];
    private final Map<String, UsageEvent> recentById = new HashMap<>(RECENT_KEPT * 2);
    private long recorded;

    public void record(UsageEvent event) {
        String tenant = byTenantAndTransport.containsKey(event.tenant()) || byTenantAndTransport.size() < MAX_TENANTS
                ? event.tenant() : OTHER_TENANTS;
        byTenantAndTransport.computeIfAbsent(tenant, key -> new ConcurrentHashMap<>())
                .computeIfAbsent(event.transport(), key -> new Adders()).add(event);
        synchronized (recent) {
            int slot = (int) (recorded++ % RECENT_KEPT);
            UsageEvent leaving = recent[slot];
            if (leaving != null) {
                recentById.remove(leaving.responseId(), leaving);
            }
            recent[slot] = event;
            recentById.put(event.responseId(), event);
        }
    }

    /** Tenant → transport → sums, sorted by name. */
    public Map<String, Map<String, Sums>> byTenant() {
        Map<String, Map<String, Sums>> all = new TreeMap<>();
        byTenantAndTransport.forEach((tenant, transports) -> all.put(tenant, byTransport(transports)));
        return all;
    }

    /** Transport → sums of one tenant (empty when it finished nothing here). */
    public Map<String, Sums> ofTenant(String tenant) {
        Map<String, Adders> transports = byTenantAndTransport.get(tenant);
        return transports == null ? Map.of() : byTransport(transports);
    }

    private static Map<String, Sums> byTransport(Map<String, Adders> transports) {
        Map<String, Sums> sums = new TreeMap<>();
        transports.forEach((transport, adders) -> sums.put(transport, adders.sums()));
        return sums;
    }

    /** The usage event of a response among the latest this replica finished, or {@code null}. */
    public UsageEvent recent(String responseId) {
        synchronized (recent) {
            return recentById.get(responseId);
        }
    }

    /** The latest finished responses, newest first, at most {@code limit}. */
    public List<UsageEvent> latest(int limit) {
        List<UsageEvent> latest = new ArrayList<>();
        synchronized (recent) {
            for (long i = recorded - 1; i >= 0 && i >= recorded - RECENT_KEPT && latest.size() < limit; i--) {
                latest.add(recent[(int) (i % RECENT_KEPT)]);
            }
        }
        return latest;
    }
}
