package dev.baton.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Where a turn's gateway milliseconds go: a gateway replica in front of a separate engine process,
 * recorded with JFR (the {@code profile} settings) while agents run in one mode, rendered as a flame
 * graph of its event-loop threads — only gateway work, since the engine runs elsewhere.
 */
final class Profiles {

    record Profile(String mode, String flameGraph, long samples, int turns, int errors) {
    }

    private Profiles() {
    }

    /** JFR with deep stacks: the default 64 frames cut reactive stacks off their threads' roots. */
    private static final String RECORDING = "-XX:FlightRecorderOptions:stackdepth=512 "
            + "-XX:StartFlightRecording=name=bench,settings=profile";

    static List<Profile> run(Path out, boolean quick) throws IOException {
        List<Profile> profiles = new ArrayList<>();
        for (Mode mode : List.of(Mode.WS_LB, Mode.HTTP_FULL_RESEND)) {
            profiles.add(profile(out, mode, quick));
        }
        profiles.add(relay(out, quick));
        return profiles;
    }

    /** The relay at full speed over WebSocket (simulator in-process: its frames are marked as Baton's too). */
    private static Profile relay(Path out, boolean quick) throws IOException {
        Path recording = Path.of("target/bench/ws-relay.jfr").toAbsolutePath();
        Files.deleteIfExists(recording);
        try (Deployment replica = Deployment.withSimulator("profiled-relay", 1, 0, 0,
                Map.of("JAVA_TOOL_OPTIONS", RECORDING, "BATON_SIMULATOR_REPLY_WORDS", "400"))) {
            Relay.Point point = new Relay(replica).measure("baton-ws", new Relay.Config(quick ? 4 : 16, quick ? 2 : 10),
                    replica.replicas().get(0).pid(), () -> Wire.Socket.open(replica.replica(0)), true);
            dump(replica.replicas().get(0).pid(), recording);
            long samples = FlameGraph.render(recording, out.resolve("profile-ws-relay.svg"), "vert.x-eventloop",
                    "Baton's event loops relaying at full speed over WebSocket");
            return new Profile("ws-relay", "profile-ws-relay.svg", samples, point.turns(), point.errors());
        }
    }

    private static Profile profile(Path out, Mode mode, boolean quick) throws IOException {
        Path recording = Path.of("target/bench/" + mode.label + ".jfr").toAbsolutePath();
        Files.deleteIfExists(recording);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JAVA_TOOL_OPTIONS", RECORDING);
        try (Deployment engine = Deployment.withSimulator("engine", 1, 1000, 20, Map.of());
             Deployment replica = Deployment.withEngine("profiled", 1, engine.replica(0), env)) {
            int agents = quick ? 2 : 4;
            int turns = quick ? 4 : 50;
            ExecutorService pool = Executors.newFixedThreadPool(agents);
            int done = 0;
            int errors = 0;
            try {
                List<Future<Agent.Run>> runs = new ArrayList<>();
                for (int a = 0; a < agents; a++) {
                    Agent agent = new Agent(mode, replica.replica(0), turns, 1024, 256, 500L + a);
                    runs.add(pool.submit(agent::run));
                }
                for (Future<Agent.Run> run : runs) {
                    Agent.Run result = run.get(10, TimeUnit.MINUTES);
                    done += result.turns().size();
                    errors += (int) result.turns().stream().filter(TurnResult::failed).count();
                }
            } catch (Exception e) {
                errors++;
            } finally {
                pool.shutdownNow();
            }
            dump(replica.replicas().get(0).pid(), recording);
            String svg = "profile-" + mode.label + ".svg";
            long samples = FlameGraph.render(recording, out.resolve(svg), "vert.x-eventloop",
                    "Baton's event loops during the agent loop, " + mode.label);
            return new Profile(mode.label, svg, samples, done, errors);
        }
    }

    private static void dump(long pid, Path recording) throws IOException {
        Jcmd.run(pid, "JFR.dump", "name=bench", "filename=" + recording);
        if (!Files.exists(recording)) {
            throw new IOException("JFR.dump did not write " + recording);
        }
    }
}
