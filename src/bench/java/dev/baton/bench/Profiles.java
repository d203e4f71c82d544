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

    static List<Profile> run(Path out, boolean quick) throws IOException {
        List<Profile> profiles = new ArrayList<>();
        for (Mode mode : List.of(Mode.WS_LB, Mode.HTTP_FULL_RESEND)) {
            profiles.add(profile(out, mode, quick));
        }
        return profiles;
    }

    private static Profile profile(Path out, Mode mode, boolean quick) throws IOException {
        Path recording = Path.of("target/bench/" + mode.label + ".jfr").toAbsolutePath();
        Files.deleteIfExists(recording);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=name=bench,settings=profile");
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
        try {
            Process jcmd = new ProcessBuilder("jcmd", Long.toString(pid), "JFR.dump", "name=bench",
                    "filename=" + recording).redirectErrorStream(true).start();
            String output = new String(jcmd.getInputStream().readAllBytes());
            if (!jcmd.waitFor(60, TimeUnit.SECONDS) || !Files.exists(recording)) {
                throw new IOException("jcmd JFR.dump did not write " + recording + ": " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
