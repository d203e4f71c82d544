package dev.baton.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Scenario 5: continuing a chain of depth 10, 100 and 1,000 on a replica that never saw it (its hot
 * cache is empty for that chain), against continuing it again once it is hot. The chains are built on
 * the other replica (turns without generation, to keep the build quick); the Redis round trips of
 * each cold load are read from the loading replica's metrics.
 */
final class ColdResume {

    record Config(List<Integer> depths, int chainsPerDepth) {
    }

    /** Client-side times include the engine's prefill; Baton's own share (engine time excluded) is separate. */
    record Point(int depth, Stats coldFirstDeltaMs, Stats hotFirstDeltaMs, double coldOverheadP50Ms,
                 double coldOverheadP95Ms, double hotOverheadP50Ms, double hotOverheadP95Ms, double redisRoundTrips,
                 int errors) {
    }

    private final Deployment cluster;

    ColdResume(Deployment cluster) {
        this.cluster = cluster;
    }

    List<Point> run(Config config) {
        List<Point> points = new ArrayList<>();
        for (int depth : config.depths()) {
            List<Double> cold = new ArrayList<>();
            List<Double> hot = new ArrayList<>();
            Histogram coldOverhead = Histogram.empty();
            Histogram hotOverhead = Histogram.empty();
            double roundTrips = 0;
            int errors = 0;
            for (int k = 0; k < config.chainsPerDepth(); k++) {
                String last = build(cluster.replica(0), depth, new Random(depth * 1000L + k));
                URL other = cluster.replica(1);
                double loadsBefore = loads();
                Histogram before = cluster.overhead("first_event");
                TurnResult first = Wire.streamedTurn(other, next(last, "cold"));
                Histogram between = cluster.overhead("first_event");
                roundTrips += loads() - loadsBefore;
                TurnResult again = Wire.streamedTurn(other, next(last, "hot"));
                coldOverhead = coldOverhead.plus(between.minus(before));
                hotOverhead = hotOverhead.plus(cluster.overhead("first_event").minus(between));
                if (first.failed() || again.failed()) {
                    errors++;
                    continue;
                }
                cold.add(first.firstDeltaMs());
                hot.add(again.firstDeltaMs());
            }
            points.add(new Point(depth, Stats.of(cold), Stats.of(hot), coldOverhead.quantile(0.5) * 1000,
                    coldOverhead.quantile(0.95) * 1000, hotOverhead.quantile(0.5) * 1000, hotOverhead.quantile(0.95) * 1000,
                    roundTrips / config.chainsPerDepth(), errors));
        }
        return points;
    }

    private double loads() {
        return Math.max(0, dev.baton.support.Metrics.sum(cluster.replicas().get(1).metrics(),
                "baton_redis_commands_total", "op=\"load\""));
    }

    private static ObjectNode next(String previous, String text) {
        ObjectNode body = Wire.JSON.createObjectNode();
        body.put("model", Deployment.AGENT_MODEL).put("previous_response_id", previous).put("store", false);
        body.putArray("input").add(Agent.user(text));
        return body;
    }

    /** A chain of {@code depth} stored turns, each a user message of about 40 words; its last id. */
    private static String build(URL replica, int depth, Random random) {
        String previous = null;
        for (int turn = 0; turn < depth; turn++) {
            ObjectNode body = Wire.JSON.createObjectNode();
            body.put("model", Deployment.AGENT_MODEL).put("generate", false);
            if (previous != null) {
                body.put("previous_response_id", previous);
            }
            body.putArray("input").add(Agent.user(HistoryOverhead.words(random, 40)));
            previous = Wire.post(replica, "/v1/responses", body).path("id").asText();
        }
        return previous;
    }
}
