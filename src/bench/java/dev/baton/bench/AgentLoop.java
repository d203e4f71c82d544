package dev.baton.bench;

import java.net.URL;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scenario 1: N concurrent agents × T turns, tool outputs growing per turn, in every {@link Mode}. The
 * modes run interleaved — round after round, each round in a rotated order — so drift of a shared
 * machine hits them alike. Per mode: end-to-end time per agent, time to first delta per turn, bytes
 * sent per turn, Baton's own overhead per turn (read from its histograms around each block) and, on
 * the balanced deployment, how often a turn's parent had to come from Redis.
 */
final class AgentLoop {

    record Config(String profile, int agents, int turns, int rounds, int baseToolBytes, int toolBytesPerTurn) {
    }

    /** The figures of one mode. */
    record ModeResult(String mode, String description, Stats endToEndMs, Stats firstDeltaMs, Stats bytesPerTurn,
                      double overheadToEngineP50Ms, double overheadToEngineP99Ms, double overheadP50Ms,
                      double overheadP99Ms, double parentFromRedis, int turns, int errors, List<String> firstErrors) {
    }

    /** @param gatewayGc the stop-the-world pauses of the gateway replicas while the loop ran */
    record Result(Config config, Map<String, ModeResult> modes, Map<String, Double> ratios, GcLog.Pauses gatewayGc) {
    }

    private final Deployment single;
    private final Deployment balanced;

    AgentLoop(Deployment single, Deployment balanced) {
        this.single = single;
        this.balanced = balanced;
    }

    Result run(Config config) {
        GcLog singleGc = new GcLog(single.name);
        GcLog balancedGc = new GcLog(balanced.name);
        singleGc.mark();
        balancedGc.mark();
        Map<Mode, Samples> samples = new EnumMap<>(Mode.class);
        Mode[] modes = Mode.values();
        for (int round = 0; round < config.rounds(); round++) {
            for (int i = 0; i < modes.length; i++) {
                Mode mode = modes[(i + round) % modes.length];
                block(mode, config, round, samples.computeIfAbsent(mode, m -> new Samples()));
            }
        }
        Map<String, ModeResult> results = new LinkedHashMap<>();
        for (Mode mode : modes) {
            results.put(mode.label, samples.get(mode).result(mode));
        }
        GcLog.Pauses a = singleGc.since();
        GcLog.Pauses b = balancedGc.since();
        GcLog.Pauses gc = new GcLog.Pauses(a.count() + b.count(), Math.max(nanToZero(a.p50Ms()), nanToZero(b.p50Ms())),
                Math.max(nanToZero(a.maxMs()), nanToZero(b.maxMs())), a.totalMs() + b.totalMs());
        return new Result(config, results, ratios(results), gc);
    }

    private static double nanToZero(double value) {
        return Double.isNaN(value) ? 0 : value;
    }

    private void block(Mode mode, Config config, int round, Samples samples) {
        Deployment deployment = mode.balanced() ? balanced : single;
        URL target = mode.balanced() ? deployment.front() : deployment.replica(0);
        Histogram engineBefore = deployment.overhead("engine_start");
        Histogram firstBefore = deployment.overhead("first_event");
        double redisBefore = deployment.counter("baton_store_hits_total", "tier=\"redis\"");
        ExecutorService pool = Executors.newFixedThreadPool(config.agents());
        try {
            List<Future<Agent.Run>> runs = new ArrayList<>();
            for (int a = 0; a < config.agents(); a++) {
                long seed = 1_000L * round + a + 31L * mode.ordinal() + 7919L * config.turns();
                Agent agent = new Agent(mode, target, config.turns(), config.baseToolBytes(), config.toolBytesPerTurn(), seed);
                runs.add(pool.submit(agent::run));
            }
            for (Future<Agent.Run> run : runs) {
                samples.add(run.get());
            }
        } catch (Exception e) {
            samples.errors.add("block failed: " + e);
        } finally {
            pool.shutdownNow();
        }
        samples.engineStart = samples.engineStart.plus(deployment.overhead("engine_start").minus(engineBefore));
        samples.firstEvent = samples.firstEvent.plus(deployment.overhead("first_event").minus(firstBefore));
        samples.fromRedis += deployment.counter("baton_store_hits_total", "tier=\"redis\"") - redisBefore;
    }

    private static Map<String, Double> ratios(Map<String, ModeResult> results) {
        Map<String, Double> ratios = new LinkedHashMap<>();
        double resend = results.get(Mode.HTTP_FULL_RESEND.label).endToEndMs().p50();
        double chainedLb = results.get(Mode.HTTP_CHAINED_LB.label).endToEndMs().p50();
        for (ModeResult result : results.values()) {
            ratios.put(result.mode() + " / http-full-resend", result.endToEndMs().p50() / resend);
        }
        ratios.put("ws-lb / http-chained-lb", results.get(Mode.WS_LB.label).endToEndMs().p50() / chainedLb);
        ratios.put("ws-lb / http-chained", results.get(Mode.WS_LB.label).endToEndMs().p50()
                / results.get(Mode.HTTP_CHAINED.label).endToEndMs().p50());
        return ratios;
    }

    private static final class Samples {
        final List<Double> endToEnd = new ArrayList<>();
        final List<Double> firstDelta = new ArrayList<>();
        final List<Double> bytes = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        Histogram engineStart = Histogram.empty();
        Histogram firstEvent = Histogram.empty();
        double fromRedis;
        int turns;

        void add(Agent.Run run) {
            for (TurnResult turn : run.turns()) {
                if (turn.failed()) {
                    errors.add(turn.error());
                    continue;
                }
                turns++;
                firstDelta.add(turn.firstDeltaMs());
                bytes.add((double) turn.bytesSent());
            }
            if (!run.failed()) {
                endToEnd.add(run.endToEndMs());
            }
        }

        ModeResult result(Mode mode) {
            // the first turn of every agent has no parent: count parents only where one exists
            return new ModeResult(mode.label, mode.description, Stats.of(endToEnd), Stats.of(firstDelta), Stats.of(bytes),
                    engineStart.quantile(0.5) * 1000, engineStart.quantile(0.99) * 1000,
                    firstEvent.quantile(0.5) * 1000, firstEvent.quantile(0.99) * 1000,
                    turns == 0 ? 0 : fromRedis / turns, turns, errors.size(),
                    errors.stream().limit(3).toList());
        }
    }
}
