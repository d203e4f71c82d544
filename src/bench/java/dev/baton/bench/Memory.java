package dev.baton.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.replicas.Cluster;
import dev.baton.support.Metrics;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Scenario 6: what state costs in memory — heap per cached response and per idle open WebSocket
 * (after a full GC, read from the replica's own JVM metrics), and the hot cache's hit rate when the
 * working set is larger than the cache (the rest comes from Redis).
 */
final class Memory {

    /** RSS per socket is kept in the JSON only: a JVM's RSS follows its committed heap, not its sockets. */
    record Result(int responses, double heapKibPerCachedResponse, double accountedKibPerCachedResponse, int sockets,
                  double heapKibPerIdleSocket, double rssKibPerIdleSocket, double workingSetOverCache,
                  double hotHitRate, int errors) {
    }

    Result run(boolean quick) {
        int chains = quick ? 10 : 100;
        int depth = 20;
        int sockets = quick ? 50 : 500;
        int errors = 0;
        try (Deployment replica = Deployment.withSimulator("memory", 1, 0, 0, Map.of())) {
            Cluster.Replica process = replica.replicas().get(0);
            URL url = replica.replica(0);
            double heapBefore = heapAfterGc(process);
            double accountedBefore = Metrics.value(process.metrics(), "baton_hot_cache_bytes");
            for (int c = 0; c < chains; c++) {
                errors += chain(url, depth, new Random(c)).isEmpty() ? 1 : 0;
            }
            double heapPerResponse = (heapAfterGc(process) - heapBefore) / (chains * depth) / 1024;
            double accountedPerResponse = (Metrics.value(process.metrics(), "baton_hot_cache_bytes") - accountedBefore)
                    / (chains * depth) / 1024;

            double heapBeforeSockets = heapAfterGc(process);
            long rssBefore = Machine.rssBytes(process.pid());
            List<Wire.Socket> open = new ArrayList<>();
            try {
                for (int s = 0; s < sockets; s++) {
                    open.add(Wire.Socket.open(url));
                }
                double heapPerSocket = (heapAfterGc(process) - heapBeforeSockets) / sockets / 1024;
                double rssPerSocket = (Machine.rssBytes(process.pid()) - rssBefore) / (double) sockets / 1024;
                HitRate hits = hitRate(quick, accountedPerResponse * 1024);
                return new Result(chains * depth, heapPerResponse, accountedPerResponse, sockets, heapPerSocket,
                        rssPerSocket, hits.workingSetOverCache(), hits.rate(), errors + hits.errors());
            } finally {
                open.forEach(Wire.Socket::close);
            }
        }
    }

    private record HitRate(double workingSetOverCache, double rate, int errors) {
    }

    /** Chains continued in turn against a hot cache several times smaller than what they hold. */
    private HitRate hitRate(boolean quick, double bytesPerResponse) {
        int chains = quick ? 8 : 40;
        int rounds = quick ? 3 : 10;
        long cacheBytes = quick ? 256 * 1024 : 1024 * 1024;
        try (Deployment replica = Deployment.withSimulator("small-cache", 1, 0, 0,
                Map.of("BATON_STORE_HOT_CACHE_BYTES", Long.toString(cacheBytes)))) {
            URL url = replica.replica(0);
            List<String> last = new ArrayList<>();
            int errors = 0;
            for (int c = 0; c < chains; c++) {
                last.add(chain(url, 10, new Random(100 + c)));
            }
            String exposition = replica.replicas().get(0).metrics();
            double hotBefore = Metrics.sum(exposition, "baton_store_hits_total", "tier=\"hot\"");
            double redisBefore = Metrics.sum(exposition, "baton_store_hits_total", "tier=\"redis\"");
            Random random = new Random(7);
            for (int round = 0; round < rounds; round++) {
                for (int c = 0; c < chains; c++) {
                    ObjectNode body = Wire.JSON.createObjectNode();
                    body.put("model", Deployment.AGENT_MODEL).put("previous_response_id", last.get(c));
                    body.putArray("input").add(Agent.user(HistoryOverhead.words(random, 150)));
                    TurnResult turn = Wire.streamedTurn(url, body);
                    if (turn.failed()) {
                        errors++;
                        continue;
                    }
                    last.set(c, turn.response().path("id").asText());
                }
            }
            exposition = replica.replicas().get(0).metrics();
            double hot = Metrics.sum(exposition, "baton_store_hits_total", "tier=\"hot\"") - hotBefore;
            double redis = Metrics.sum(exposition, "baton_store_hits_total", "tier=\"redis\"") - redisBefore;
            double workingSet = chains * (10.0 + rounds) * bytesPerResponse; // as the unbounded cache accounted it
            return new HitRate(workingSet / cacheBytes, hot / Math.max(1, hot + redis), errors);
        }
    }

    private static double heapAfterGc(Cluster.Replica replica) {
        Jcmd.run(replica.pid(), "GC.run");
        return Metrics.sum(replica.metrics(), "jvm_memory_used_bytes", "area=\"heap\"");
    }

    /** A stored chain of {@code depth} generated turns (each input ~150 words); its last id, or "" on error. */
    private static String chain(URL url, int depth, Random random) {
        String previous = null;
        for (int turn = 0; turn < depth; turn++) {
            ObjectNode body = Wire.JSON.createObjectNode();
            body.put("model", Deployment.AGENT_MODEL);
            if (previous != null) {
                body.put("previous_response_id", previous);
            }
            body.putArray("input").add(Agent.user(HistoryOverhead.words(random, 150)));
            TurnResult result = Wire.streamedTurn(url, body);
            if (result.failed()) {
                return "";
            }
            previous = result.response().path("id").asText();
        }
        return previous;
    }
}
