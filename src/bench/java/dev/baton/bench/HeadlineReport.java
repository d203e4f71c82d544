package dev.baton.bench;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The headline's files: {@code headline.json} (machine-readable; the first link profile at the top, every profile
 * under {@code profiles}), {@code headline.md} (tables) and the plots {@code headline.svg} (agent time per mode) and
 * {@code headline-breakdown-<rate>.svg} (where a turn's time goes, per mode, at turns 10, 30 and 50).
 */
final class HeadlineReport {

    private static final List<String> COMPONENTS = List.of("link + client", "gateway", "moderation", "engine tokenizing",
            "prefill", "engine TTFT", "decode");

    private HeadlineReport() {
    }

    static void write(Path out, Headline.Result result) throws IOException {
        Files.createDirectories(out);
        Wire.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("headline.json").toFile(),
                json(result));
        Files.writeString(out.resolve("headline.md"), markdown(result));
        Files.writeString(out.resolve("headline.svg"), agentTimes(result));
        String headlineProfile = result.runs().isEmpty() ? "" : result.runs().get(0).profile();
        for (Headline.Run run : result.runs()) {
            if (run.profile().equals(headlineProfile)) {
                Files.writeString(out.resolve("headline-breakdown-" + (int) run.tokensPerSecond() + ".svg"), breakdown(run));
            }
        }
    }

    /** Reads a {@code headline.json} back (to write the tables and plots again after a change to the report). */
    static Headline.Result read(Path file) throws IOException {
        com.fasterxml.jackson.databind.JsonNode root = Wire.JSON.readTree(file.toFile());
        List<Headline.Run> runs = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode profile : root.path("profiles")) {
            com.fasterxml.jackson.databind.JsonNode link = profile.path("link");
            for (com.fasterxml.jackson.databind.JsonNode run : profile.path("runs")) {
                Map<String, Headline.ModeFigures> modes = new LinkedHashMap<>();
                run.path("modes").fields().forEachRemaining(mode -> {
                    com.fasterxml.jackson.databind.JsonNode m = mode.getValue();
                    List<Headline.Breakdown> breakdown = new ArrayList<>();
                    m.path("breakdown").forEach(b -> breakdown.add(Wire.JSON.convertValue(b, Headline.Breakdown.class)));
                    List<String> errors = new ArrayList<>();
                    m.path("first_errors").forEach(e -> errors.add(e.asText()));
                    modes.put(mode.getKey(), new Headline.ModeFigures(mode.getKey(), "", number(m, "agent_ms_median"),
                            number(m, "agent_ms_p95"), number(m, "ttft_ms_p50"), number(m, "turn_ms_p50"),
                            number(m, "kb_sent_per_turn_p50"), number(m, "gateway_overhead_ms_p50"),
                            number(m, "gateway_overhead_ms_p99"), m.path("turns").asInt(), m.path("errors").asInt(), errors,
                            breakdown));
                });
                runs.add(new Headline.Run(link.path("name").asText(), link.path("rtt_ms").asDouble(),
                        link.path("mbit").asDouble(), run.path("tokens_per_s").asDouble(), run.path("agents").asInt(),
                        run.path("turns").asInt(), run.path("rounds").asInt(), modes,
                        number(run, "ratio_ws_token_in_vs_direct_full")));
            }
        }
        return new Headline.Result(Wire.JSON.convertValue(root.path("calibration"), Headline.Calibration.class), runs,
                root.path("errors").asInt());
    }

    private static double number(com.fasterxml.jackson.databind.JsonNode node, String field) {
        com.fasterxml.jackson.databind.JsonNode value = node.path(field);
        return value.isNumber() ? value.asDouble() : Double.NaN; // Jackson writes NaN as a string
    }

    private static Map<String, Object> json(Headline.Result result) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, List<Headline.Run>> byProfile = new LinkedHashMap<>();
        result.runs().forEach(run -> byProfile.computeIfAbsent(run.profile(), p -> new ArrayList<>()).add(run));
        List<Map<String, Object>> profiles = new ArrayList<>();
        byProfile.forEach((name, runs) -> {
            Map<String, Object> profile = new LinkedHashMap<>();
            profile.put("link", link(runs.get(0)));
            profile.put("runs", runs.stream().map(HeadlineReport::run).toList());
            profiles.add(profile);
        });
        if (!profiles.isEmpty()) {
            root.putAll(profiles.get(0));
        }
        root.put("calibration", result.calibration());
        root.put("errors", result.errors());
        root.put("profiles", profiles);
        return root;
    }

    private static Map<String, Object> link(Headline.Run run) {
        Map<String, Object> link = new LinkedHashMap<>();
        link.put("name", run.profile());
        link.put("rtt_ms", run.rttMs());
        link.put("mbit", run.mbit());
        return link;
    }

    private static Map<String, Object> run(Headline.Run run) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tokens_per_s", (int) run.tokensPerSecond());
        out.put("agents", run.agents());
        out.put("turns", run.turns());
        out.put("rounds", run.rounds());
        Map<String, Object> modes = new LinkedHashMap<>();
        run.modes().forEach((name, mode) -> {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("agent_ms_median", mode.agentMsMedian());
            figures.put("agent_ms_p95", mode.agentMsP95());
            figures.put("ttft_ms_p50", mode.ttftMsP50());
            figures.put("turn_ms_p50", mode.turnMsP50());
            figures.put("kb_sent_per_turn_p50", mode.kbSentPerTurn());
            figures.put("gateway_overhead_ms_p50", mode.gatewayP50Ms());
            figures.put("gateway_overhead_ms_p99", mode.gatewayP99Ms());
            figures.put("turns", mode.turns());
            figures.put("errors", mode.errors());
            if (!mode.firstErrors().isEmpty()) {
                figures.put("first_errors", mode.firstErrors());
            }
            figures.put("breakdown", mode.breakdown());
            modes.put(name, figures);
        });
        out.put("modes", modes);
        out.put("ratio_ws_token_in_vs_direct_full", run.ratioWsTokenInVsDirectFull());
        return out;
    }

    private static String agentTimes(Headline.Result result) {
        List<String> groups = new ArrayList<>();
        List<String> series = result.runs().isEmpty() ? List.of() : List.copyOf(result.runs().get(0).modes().keySet());
        double[][] p50 = new double[result.runs().size()][series.size()];
        double[][] p95 = new double[result.runs().size()][series.size()];
        for (int g = 0; g < result.runs().size(); g++) {
            Headline.Run run = result.runs().get(g);
            groups.add((int) run.tokensPerSecond() + " tok/s @ " + run.profile());
            for (int s = 0; s < series.size(); s++) {
                Headline.ModeFigures mode = run.modes().get(series.get(s));
                p50[g][s] = mode == null ? Double.NaN : mode.agentMsMedian() / 1000;
                p95[g][s] = mode == null ? Double.NaN : mode.agentMsP95() / 1000;
            }
        }
        Headline.Run first = result.runs().get(0);
        return Svg.bars("An agent's " + first.turns() + "-turn loop, " + first.agents() + " agents at once", "seconds per agent",
                groups, series, p50, p95);
    }

    private static String breakdown(Headline.Run run) {
        List<String> bars = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        run.modes().forEach((name, mode) -> {
            for (Headline.Breakdown b : mode.breakdown()) {
                bars.add(shortName(name) + " · " + b.turn());
                values.add(new double[] {b.linkAndClientMs(), b.gatewayMs(), b.moderationMs(), b.tokenizeMs(),
                    b.prefillMs(), b.engineTtftMs(), b.decodeMs()});
            }
        });
        return Svg.stacked("Where a turn's time goes: " + run.profile() + ", " + (int) run.tokensPerSecond() + " tok/s",
                "ms per turn (median), mode · turn", bars, COMPONENTS, values.toArray(new double[0][]));
    }

    private static String shortName(String mode) {
        return mode.replace("baton-", "").replace("direct-full-resend", "direct");
    }

    private static String markdown(Headline.Result result) {
        StringBuilder md = new StringBuilder("# Headline: agent loops over a link (generated by the harness)\n\n");
        Headline.Calibration c = result.calibration();
        md.append(String.format(Locale.ROOT, "Engine charges: tokenizing %.0f ns/token (%s; %.2f chars/token), prefill "
                        + "%.0f ns per uncached token, %.0f ms TTFT, moderation %.0f ms per call + %.1f ms per KB.%n%n",
                c.tokenizeNsPerToken(), c.source(), c.charsPerToken(), c.prefillNsPerToken(), c.ttftMs(), c.moderationMs(),
                c.moderationMsPerKb()));
        for (Headline.Run run : result.runs()) {
            md.append(String.format(Locale.ROOT, "## %s (%.0f ms RTT, %s), %d tok/s, %d agents × %d turns, %d rounds%n%n",
                    run.profile(), run.rttMs(), run.mbit() <= 0 ? "unlimited" : String.format(Locale.ROOT, "%.0f Mbit/s", run.mbit()),
                    (int) run.tokensPerSecond(), run.agents(), run.turns(), run.rounds()));
            Headline.ModeFigures direct = run.modes().get(Headline.HeadlineMode.DIRECT_FULL_RESEND.label);
            md.append("| mode | agent s (p50) | / direct | TTFD p50 | turn p50 | KB sent/turn | Baton overhead p50 / p99 | errors |\n");
            md.append("|---|---|---|---|---|---|---|---|\n");
            run.modes().forEach((name, mode) -> md.append(String.format(Locale.ROOT,
                    "| %s | %.1f | %.2f | %.0f ms | %.0f ms | %.1f | %s | %d |%n", name, mode.agentMsMedian() / 1000,
                    mode.agentMsMedian() / direct.agentMsMedian(), mode.ttftMsP50(), mode.turnMsP50(), mode.kbSentPerTurn(),
                    Double.isNaN(mode.gatewayP50Ms()) ? "–" : String.format(Locale.ROOT, "%.1f / %.1f ms",
                            mode.gatewayP50Ms(), mode.gatewayP99Ms()), mode.errors())));
            md.append("\n| mode @ turn | turn ms | link + client | gateway | moderation | tokenizing | prefill | engine TTFT "
                    + "| decode | prompt tokens (cached) |\n|---|---|---|---|---|---|---|---|---|---|\n");
            run.modes().forEach((name, mode) -> mode.breakdown().forEach(b -> md.append(String.format(Locale.ROOT,
                    "| %s @ %d | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f (%.0f) |%n", name, b.turn(),
                    b.turnMs(), b.linkAndClientMs(), b.gatewayMs(), b.moderationMs(), b.tokenizeMs(), b.prefillMs(),
                    b.engineTtftMs(), b.decodeMs(), b.promptTokens(), b.cachedTokens()))));
            md.append('\n');
        }
        return md.toString();
    }
}
