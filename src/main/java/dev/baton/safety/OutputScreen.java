package dev.baton.safety;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One turn's output classifiers ({@code apply_to: output}). The built-in ones read each delta of generated text
 * before it is sent, with the output before it as context (a match may span deltas; only what reaches into the
 * new delta counts), so a {@code block} stops the stream before the delta that completes the match. Remote ones
 * (moderations) read the whole output once, when generation ends. Not thread-safe: one per turn, fed in order.
 */
public final class OutputScreen {

    /** Output already screened that a new delta is scanned with: longer than any built-in pattern's match. */
    static final int OVERLAP = 1024;

    private final List<ClassifierSpec> specs;
    private final SafetyMetrics metrics;
    private final ObjectMapper json;
    private final StringBuilder output = new StringBuilder();
    private final Map<String, Set<String>> labels = new LinkedHashMap<>();
    private final Map<String, String> results = new LinkedHashMap<>();
    private String blockedBy;

    OutputScreen(List<ClassifierSpec> specs, SafetyMetrics metrics, ObjectMapper json) {
        this.specs = specs;
        this.metrics = metrics;
        this.json = json;
        specs.forEach(spec -> results.put(spec.name(), "clear"));
    }

    /** Screens a delta before it is sent; true when a {@code block} classifier found something reaching into it. */
    public boolean blocks(String delta) {
        if (delta.isEmpty() || blockedBy != null) {
            return blockedBy != null;
        }
        String before = output.substring(Math.max(0, output.length() - OVERLAP));
        ScanText scan = ScanText.continuing(before, delta);
        for (ClassifierSpec spec : specs) {
            if (spec.classifier() instanceof PatternClassifier patterns) {
                long started = System.nanoTime();
                metrics.scanned(spec, "new", delta.length());
                record(spec, patterns.find(scan.text()).stream().filter(scan::counts).toList());
                metrics.took(spec, started);
            }
        }
        output.append(delta);
        return blockedBy != null;
    }

    /** Generation ended: the remote classifiers read the whole output; true when one blocks. */
    public Uni<Boolean> blocksAtEnd(Context caller) {
        List<Uni<Void>> calls = new ArrayList<>();
        ScanText whole = ScanText.of("", List.of(output.toString()));
        for (ClassifierSpec spec : specs) {
            if (!(spec.classifier() instanceof PatternClassifier) && blockedBy == null && output.length() > 0) {
                long started = System.nanoTime();
                metrics.scanned(spec, "new", output.length());
                calls.add(spec.classifier().scan(whole)
                        .invoke(found -> record(spec, found))
                        .onFailure().recoverWithItem(failure -> {
                            metrics.error(spec);
                            results.put(spec.name(), spec.blockOnError() ? "blocked" : "error");
                            if (spec.blockOnError() && blockedBy == null) {
                                blockedBy = spec.name();
                            }
                            return null;
                        })
                        .invoke(() -> metrics.took(spec, started))
                        .replaceWithVoid());
            }
        }
        if (calls.isEmpty()) {
            return Uni.createFrom().item(blockedBy != null);
        }
        Uni<Boolean> done = Uni.join().all(calls).andCollectFailures().map(ignored -> blockedBy != null);
        return caller == null ? done : done.emitOn(task -> caller.runOnContext(ignored -> task.run()));
    }

    private void record(ClassifierSpec spec, List<Finding> findings) {
        if (findings.isEmpty()) {
            return;
        }
        findings.forEach(f -> labels.computeIfAbsent(spec.name(), k -> new LinkedHashSet<>()).add(f.label()));
        boolean block = spec.action().equals(ClassifierSpec.BLOCK);
        if (!results.get(spec.name()).equals("clear")) {
            return; // counted once per turn
        }
        results.put(spec.name(), block ? "blocked" : "flagged");
        metrics.verdict(spec, block ? "blocked" : "flagged");
        if (block && blockedBy == null) {
            blockedBy = spec.name();
        }
    }

    /** The turn ended: each classifier's call is counted (and its verdict when clear); the verdicts for the response. */
    public ArrayNode finish() {
        ArrayNode list = json.createArrayNode();
        for (ClassifierSpec spec : specs) {
            metrics.call(spec);
            String result = results.get(spec.name());
            if (result.equals("clear")) {
                metrics.verdict(spec, result);
            }
            ObjectNode verdict = list.addObject().put("name", spec.name()).put("result", result);
            Set<String> found = labels.get(spec.name());
            if (found != null) {
                found.forEach(verdict.putArray("labels")::add);
            }
        }
        return list;
    }
}
