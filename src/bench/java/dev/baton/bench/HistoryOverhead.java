package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Scenario 3: Baton's own overhead per turn as the history grows (1k to 200k tokens). A conversation
 * opens with a history of the given size; then small turns follow, and only those are measured. The
 * chained modes should stay flat (Baton renders only the new input); a full resend pays for the whole
 * history every turn. Modes run interleaved per size.
 */
final class HistoryOverhead {

    record Config(List<Integer> historyTokens, int measuredTurns) {
    }

    record Point(int historyWords, long inputTokens, String mode, double overheadP50Ms, double overheadP99Ms,
                 double toEngineP50Ms, Stats firstDeltaMs, long bytesPerTurn, int errors) {
    }

    /**
     * {@code http-full-resend-unindexed} re-sends the same conversation, except that its first message is marked with
     * the turn number: the prefix index never finds it, so Baton renders the whole history every turn, as it did
     * before the index (and does for a conversation it has not seen on this replica).
     */
    private static final List<String> MODES = List.of("http-chained", "ws", "http-full-resend", "http-full-resend-unindexed");
    private final Deployment fast;

    HistoryOverhead(Deployment fast) {
        this.fast = fast;
    }

    List<Point> run(Config config) {
        List<Point> points = new ArrayList<>();
        for (int size : config.historyTokens()) {
            for (int i = 0; i < MODES.size(); i++) {
                String mode = MODES.get((i + size) % MODES.size());
                points.add(measure(mode, size, config.measuredTurns()));
            }
        }
        return points;
    }

    private Point measure(String mode, int historyWords, int turns) {
        URL target = fast.replica(0);
        List<JsonNode> transcript = new ArrayList<>();
        Random random = new Random(historyWords);
        String previous = null;
        List<Double> firstDelta = new ArrayList<>();
        long bytes = 0;
        long inputTokens = 0;
        int errors = 0;
        Histogram firstBefore = null;
        Histogram engineBefore = null;
        try (Wire.Socket socket = mode.equals("ws") ? Wire.Socket.open(target) : null) {
            for (int turn = 0; turn <= turns; turn++) {
                if (turn == 1) { // the opening turn carries the history and is not measured
                    firstBefore = fast.overhead("first_event");
                    engineBefore = fast.overhead("engine_start");
                }
                JsonNode added = Agent.user(turn == 0 ? words(random, historyWords) : "Next step " + turn + ": " + words(random, 40));
                ObjectNode body = Wire.JSON.createObjectNode();
                body.put("model", Deployment.AGENT_MODEL);
                ArrayNode input = body.putArray("input");
                if (mode.startsWith("http-full-resend")) {
                    transcript.forEach(input::add);
                    body.put("store", false);
                    if (mode.equals("http-full-resend-unindexed") && turn > 0) {
                        ObjectNode first = (ObjectNode) input.get(0).deepCopy();
                        first.put("content", "[turn " + turn + "] " + first.path("content").asText());
                        input.set(0, first);
                    }
                } else if (previous != null) {
                    body.put("previous_response_id", previous);
                }
                if (mode.equals("ws")) {
                    body.put("store", false);
                }
                input.add(added);
                TurnResult result = socket != null ? socket.turn(body) : Wire.streamedTurn(target, body);
                if (result.failed()) {
                    errors++;
                    break;
                }
                transcript.add(added);
                result.response().path("output").forEach(transcript::add);
                previous = result.response().path("id").asText();
                inputTokens = result.response().at("/usage/input_tokens").asLong();
                if (turn > 0) {
                    firstDelta.add(result.firstDeltaMs());
                    bytes += result.bytesSent();
                }
            }
        }
        Histogram first = firstBefore == null ? Histogram.empty() : fast.overhead("first_event").minus(firstBefore);
        Histogram engine = engineBefore == null ? Histogram.empty() : fast.overhead("engine_start").minus(engineBefore);
        return new Point(historyWords, inputTokens, mode, first.quantile(0.5) * 1000, first.quantile(0.99) * 1000,
                engine.quantile(0.5) * 1000, Stats.of(firstDelta), turns == 0 ? 0 : bytes / turns, errors);
    }

    static String words(Random random, int count) {
        String[] vocabulary = {"alpha", "beta", "gamma", "delta", "build", "test", "cache", "token", "replica", "chain",
            "socket", "stream", "value", "error", "module", "server", "client", "request", "response", "event"};
        StringBuilder text = new StringBuilder(count * 7);
        for (int i = 0; i < count; i++) {
            text.append(vocabulary[random.nextInt(vocabulary.length)]).append(i % 20 == 19 ? ".\n" : " ");
        }
        return text.toString();
    }

    static Map<String, Object> describe() {
        Map<String, Object> about = new LinkedHashMap<>();
        about.put("modes", MODES);
        about.put("engine", "simulator at unlimited speed, no time to first token: only Baton's work differs");
        return about;
    }
}
