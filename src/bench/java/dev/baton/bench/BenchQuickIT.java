package dev.baton.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's quick mode, in the test command: every scenario runs against the built jar and must
 * finish without an error and with figures in every table. Timings are never asserted here.
 */
class BenchQuickIT {

    @Test
    void everyScenarioRunsWithoutErrorsAndWritesItsReport() throws Exception {
        Path out = Path.of("target/bench-quick");
        Map<String, Object> results = Bench.run(Bench.Options.parse(new String[] {"--quick", "--out", out.toString()}));
        assertEquals(0, results.get("errors"), "errors in " + out.resolve("results.md"));

        @SuppressWarnings("unchecked")
        List<AgentLoop.Result> loops = (List<AgentLoop.Result>) results.get("agent_loop");
        for (AgentLoop.ModeResult mode : loops.get(0).modes().values()) {
            assertTrue(mode.turns() > 0 && Double.isFinite(mode.endToEndMs().p50()), mode.mode() + " ran");
            assertTrue(Double.isFinite(mode.overheadP50Ms()), mode.mode() + ": Baton's own overhead was read");
        }
        Headline.Result headline = (Headline.Result) ((List<?>) results.get("headline")).get(0);
        for (Headline.ModeFigures mode : headline.runs().get(0).modes().values()) {
            assertTrue(mode.turns() > 0 && Double.isFinite(mode.agentMsMedian()), mode.mode() + " ran");
        }
        assertFalse(((List<?>) results.get("history_overhead")).isEmpty());
        assertFalse(((List<?>) results.get("relay")).isEmpty());
        assertFalse(((List<?>) results.get("cold_resume")).isEmpty());
        assertFalse(((List<?>) results.get("startup")).isEmpty());
        assertFalse(((List<?>) results.get("memory")).isEmpty());
        @SuppressWarnings("unchecked")
        List<Sockets.Point> sockets = (List<Sockets.Point>) results.get("sockets");
        assertTrue(sockets.get(0).turns() > sockets.get(0).sockets(), "every socket ran agent turns: " + sockets.get(0));
        assertEquals(3, ((List<?>) results.get("profiles")).size());
        for (String file : List.of("results.json", "results.md", "agent-loop-e2e.svg", "agent-loop-ttfd.svg",
                "agent-loop-overhead.svg", "history-overhead.svg", "cold-resume.svg", "relay.svg", "startup.svg", "headline.json", "headline.md", "headline.svg", "headline-breakdown-4000.svg", "profile-ws-lb.svg", "profile-ws-relay.svg")) {
            assertTrue(Files.size(out.resolve(file)) > 200, file + " written");
        }
        assertFalse(Files.readString(out.resolve("results.md")).contains("NaN"), "every table has figures");
    }
}
