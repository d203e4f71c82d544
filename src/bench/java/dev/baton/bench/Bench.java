package dev.baton.bench;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark harness (docs/benchmarks/README.md): builds nothing itself — it drives the built jar
 * ({@code target/quarkus-app/quarkus-run.jar}) as real processes on loopback, runs every scenario with
 * its variants interleaved, and writes {@code results.json}, {@code results.md} and SVG plots.
 *
 * <pre>
 *   Bench [--quick] [--out DIR] [--native PATH] [--only headline,agent-loop,history,relay,ceiling,cold-resume,token-in,safety,memory,sockets,profiles,startup,console]
 *         [--before-jar PATH]
 *   Bench --render DIR     (results.md and plots again from DIR/results.json)
 *   Bench --render-headline DIR     (headline.md and its plots again from DIR/headline.json)
 * </pre>
 * {@code --quick} (a few minutes) is what the test command runs: small sizes, it fails only on errors. The headline
 * ({@link Headline}) writes its own files ({@code headline.json}, {@code headline.md}, plots); a run of it alone
 * leaves {@code results.json} and {@code results.md} as they were.
 */
public final class Bench {

    /** What to run and where to write. */
    record Options(boolean quick, Path out, String nativeExecutable, List<String> only, Path beforeJar) {

        static Options parse(String[] args) {
            boolean quick = false;
            Path out = null;
            String nativeExecutable = null;
            List<String> only = List.of();
            Path beforeJar = null;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--out" -> out = Path.of(args[++i]);
                    case "--native" -> nativeExecutable = args[++i];
                    case "--only" -> only = List.of(args[++i].split(","));
                    case "--before-jar" -> beforeJar = Path.of(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + " (use --quick, --out DIR, --native PATH, --only a,b, --before-jar PATH)");
                }
            }
            return new Options(quick, out != null ? out : Path.of(quick ? "target/bench-quick" : "docs/benchmarks"),
                    nativeExecutable, only, beforeJar);
        }

        boolean runs(String scenario) {
            return only.isEmpty() || only.contains(scenario);
        }
    }

    private Bench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 2 && args[0].equals("--render")) {
            rerender(Path.of(args[1]));
            return;
        }
        if (args.length == 2 && args[0].equals("--render-headline")) {
            Path out = Path.of(args[1]);
            HeadlineReport.write(out, HeadlineReport.read(out.resolve("headline.json")));
            return;
        }
        Options options = Options.parse(args);
        Map<String, Object> results = run(options);
        int errors = errors(results);
        System.out.println("results in " + options.out().toAbsolutePath() + (errors == 0 ? "" : "; " + errors + " errors"));
        System.exit(errors == 0 ? 0 : 1);
    }

    /** Runs the scenarios and writes the results; returns them (with {@code errors} counted). */
    static Map<String, Object> run(Options options) throws IOException {
        Files.createDirectories(options.out());
        Files.createDirectories(Path.of("target/bench"));
        GcLog.clear();
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("when", Instant.now().toString());
        results.put("mode", options.quick() ? "quick" : "full");
        results.put("machine", Machine.describe());
        if (options.runs("headline")) {
            log("headline: agent loops over a link, token-in engine, safety on");
            results.put("headline", List.of(new Headline().run(options.quick() ? Headline.Config.quick()
                    : Headline.Config.full(), options.out())));
        }
        if (options.runs("agent-loop")) {
            List<AgentLoop.Result> loops = new ArrayList<>();
            for (double tokensPerSecond : options.quick() ? new double[] {1000} : new double[] {1000, 4000}) {
                loops.addAll(agentLoops(options, tokensPerSecond));
            }
            results.put("agent_loop", loops);
        }
        if (options.runs("history") || options.runs("relay") || options.runs("cold-resume")) {
            String nativeExecutable = nativeExecutable(options);
            try (Deployment fast = Deployment.withSimulator("fast", 2, 0, 0,
                    Map.of("BATON_SIMULATOR_REPLY_WORDS", "400"))) {
                if (options.runs("history")) {
                    log("overhead against history");
                    results.put("history_overhead", new HistoryOverhead(fast).run(options.quick()
                            ? new HistoryOverhead.Config(List.of(1_000, 20_000), 3)
                            : new HistoryOverhead.Config(List.of(1_000, 10_000, 50_000, 100_000, 200_000), 10)));
                }
                if (options.runs("relay")) {
                    log("relay capacity");
                    results.put("relay", new Relay(fast).run(options.quick() ? new Relay.Config(4, 3)
                            : new Relay.Config(16, 10), nativeExecutable));
                }
                if (options.runs("cold-resume")) {
                    log("cold resume");
                    results.put("cold_resume", new ColdResume(fast).run(options.quick()
                            ? new ColdResume.Config(List.of(10), 2) : new ColdResume.Config(List.of(10, 100, 1000), 5)));
                }
            }
        }
        if (options.runs("ceiling")) {
            log("single-stream ceiling and a turn's fixed cost");
            results.put("single_stream", new SingleStream().run(options.quick()
                    ? new SingleStream.Config(2_000, 2, 40, 50, false)
                    : new SingleStream.Config(20_000, 7, 2_000, 3_000, true), nativeExecutable(options)));
        }
        if (options.runs("token-in")) {
            if (TokenInRender.available()) {
                log("token-in render");
                results.put("token_in", new TokenInRender().run(options.quick() ? List.of(10, 50)
                        : List.of(10, 50, 100, 200, 400), options.quick() ? 3 : 15));
            } else {
                log("token-in render skipped: the Qwen3 tokenizer folder is installed by the tests (./mvnw verify)");
            }
        }
        if (options.runs("safety")) {
            log("safety scan");
            results.put("safety_scan", new SafetyScan().run(options.quick() ? List.of(10, 50)
                    : List.of(1, 10, 25, 50, 100, 200), options.quick() ? 5 : 31));
        }
        if (options.runs("memory")) {
            log("memory");
            results.put("memory", List.of(new Memory().run(options.quick())));
        }
        if (options.runs("sockets")) {
            log("sockets");
            results.put("sockets", new Sockets().run(options.quick(), nativeExecutable(options)));
        }
        if (options.runs("profiles")) {
            log("profiles");
            results.put("profiles", Profiles.run(options.out(), options.quick()));
        }
        if (options.runs("startup")) {
            log("startup");
            String nativeExecutable = nativeExecutable(options);
            results.put("startup", new Startup().run(options.quick() ? 1 : 3, options.quick() ? 20 : 500, nativeExecutable));
        }
        if (options.runs("console")) {
            log("console cost: the turn path with the console off, watched hard" + (options.beforeJar() == null ? ""
                    : ", and before it existed"));
            ConsoleCost.Result cost = new ConsoleCost().run(options.quick() ? ConsoleCost.Config.quick()
                    : ConsoleCost.Config.full(), options.beforeJar());
            ConsoleCost.write(options.out(), cost);
            results.put("console_cost", List.of(cost));
        }
        results.put("errors", errors(results));
        if (options.only().equals(List.of("headline")) || options.only().equals(List.of("console"))) {
            return results; // its own files are written; the other scenarios' report stays
        }
        Wire.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(options.out().resolve("results.json").toFile(), results);
        Report.write(options.out(), results);
        return results;
    }

    /** Writes results.md and the plots again from a results.json (after a change to the report). */
    static void rerender(Path out) throws IOException {
        var json = Wire.JSON.readTree(out.resolve("results.json").toFile());
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Class<?>> types = new java.util.HashMap<>(Map.of("agent_loop", AgentLoop.Result.class,
                "history_overhead", HistoryOverhead.Point.class, "relay", Relay.Point.class,
                "cold_resume", ColdResume.Point.class, "memory", Memory.Result.class, "profiles", Profiles.Profile.class,
                "startup", Startup.Point.class, "token_in", TokenInRender.Point.class, "safety_scan", SafetyScan.Point.class, "sockets", Sockets.Point.class));
        types.put("single_stream", SingleStream.Point.class);
        json.fields().forEachRemaining(field -> {
            Class<?> type = types.get(field.getKey());
            results.put(field.getKey(), type == null ? Wire.JSON.convertValue(field.getValue(), Object.class)
                    : Wire.JSON.convertValue(field.getValue(),
                            Wire.JSON.getTypeFactory().constructCollectionType(List.class, type)));
        });
        Report.write(out, results);
    }

    private static List<AgentLoop.Result> agentLoops(Options options, double tokensPerSecond) {
        String profile = (int) tokensPerSecond + " tok/s";
        log("agent loop at " + profile);
        try (Deployment engine = Deployment.withSimulator("engine", 1, tokensPerSecond, 20, Map.of());
             Deployment single = Deployment.withEngine("single", 1, engine.replica(0),
                     Map.of("JAVA_TOOL_OPTIONS", GcLog.option("single")));
             Deployment balanced = Deployment.withEngine("balanced", 2, engine.replica(0),
                     Map.of("JAVA_TOOL_OPTIONS", GcLog.option("balanced")))) {
            AgentLoop loop = new AgentLoop(single, balanced);
            List<AgentLoop.Result> results = new ArrayList<>();
            for (int turns : options.quick() ? new int[] {4} : new int[] {20, 50}) {
                results.add(loop.run(new AgentLoop.Config(profile, options.quick() ? 2 : 4, turns,
                        options.quick() ? 1 : 5, 1024, 256)));
            }
            return results;
        }
    }

    /** The native executable to measure: the one named, else (full runs only) one found in target/. */
    private static String nativeExecutable(Options options) {
        if (options.nativeExecutable() != null) {
            return options.nativeExecutable();
        }
        return options.quick() ? null : findNative(); // the test command's quick run measures the jar it built
    }

    private static String findNative() {
        for (String dir : List.of("target/native-exe", "target")) {
            try (var files = Files.list(Path.of(dir))) {
                var runner = files.filter(f -> f.getFileName().toString().endsWith("-runner") && Files.isExecutable(f))
                        .findFirst();
                if (runner.isPresent()) {
                    return runner.get().toString();
                }
            } catch (IOException e) {
                // no such directory: no native executable there
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    static int errors(Map<String, Object> results) {
        int errors = 0;
        for (Object value : results.values()) {
            if (value instanceof List<?> list) {
                for (Object item : list) {
                    errors += errorsOf(item);
                }
            }
        }
        return errors;
    }

    private static int errorsOf(Object item) {
        if (item instanceof Headline.Result headline) {
            return headline.errors();
        }
        if (item instanceof ConsoleCost.Result cost) {
            return cost.points().stream().mapToInt(ConsoleCost.Point::errors).sum()
                    + (cost.points().get(1).figuresRead() == 0 ? 1 : 0); // the watched deployment was not watched
        }
        if (item instanceof AgentLoop.Result loop) {
            return loop.modes().values().stream().mapToInt(AgentLoop.ModeResult::errors).sum();
        }
        if (item instanceof HistoryOverhead.Point p) {
            return p.errors();
        }
        if (item instanceof Relay.Point p) {
            return p.errors();
        }
        if (item instanceof SingleStream.Point p) {
            return p.errors();
        }
        if (item instanceof ColdResume.Point p) {
            return p.errors();
        }
        if (item instanceof Memory.Result m) {
            return m.errors();
        }
        if (item instanceof Profiles.Profile p) {
            return p.errors();
        }
        if (item instanceof Startup.Point p) {
            return p.errors();
        }
        return 0;
    }

    static void log(String what) {
        System.out.println("[bench " + Instant.now() + "] " + what);
    }
}
