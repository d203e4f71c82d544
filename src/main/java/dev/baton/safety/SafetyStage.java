package dev.baton.safety;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.Item;
import dev.baton.render.RenderedContext;
import dev.baton.session.TenantId;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * The safety stage of the turn pipeline: between resolving a turn's input and running the engine, the
 * tenant's classifiers read the turn's <em>new</em> items only (what the chain holds was cleared by the turns
 * that added it), or with {@code scope: window} also a bounded tail of the chain's recent text. Then
 * {@code block} refuses the turn (400 {@code input_blocked}, nothing stored), {@code redact} replaces the found
 * spans before the engine and storage, {@code flag} lets it run; every verdict is recorded on the response
 * ({@code baton_safety}), which every tier stores. Configured by {@code BATON_SAFETY} (docs/safety.md).
 */
@ApplicationScoped
public class SafetyStage {

    private static final Logger LOG = Logger.getLogger(SafetyStage.class);

    /** A turn's new items after screening (redacted where asked) and the verdicts for its response, or {@code null}. */
    public record Screened(List<Item> items, ObjectNode verdicts) {
    }

    private record Outcome(ClassifierSpec spec, ScanText scan, List<Finding> findings, boolean failed) {
    }

    private final SafetyFile.Rules rules;
    private final ObjectMapper json;
    private final SafetyMetrics metrics;

    @Inject
    public SafetyStage(BatonConfig config, Vertx vertx, ObjectMapper json, MeterRegistry metrics) {
        this(config.safety().map(file -> SafetyFile.read(Path.of(file), vertx, json, System::getenv)).orElse(null),
                json, metrics);
    }

    private SafetyStage(SafetyFile.Rules rules, ObjectMapper json, MeterRegistry metrics) {
        this.rules = rules;
        this.json = json;
        this.metrics = new SafetyMetrics(metrics);
    }

    /** A stage with the given rules (tests). */
    static SafetyStage of(SafetyFile.Rules rules, MeterRegistry metrics) {
        return new SafetyStage(rules, new ObjectMapper(), metrics);
    }

    /** A stage with no classifiers: every turn passes unscreened. */
    public static SafetyStage off(MeterRegistry metrics) {
        return new SafetyStage(null, new ObjectMapper(), metrics);
    }

    void logAtStart(@Observes @Priority(2) StartupEvent start) {
        if (rules == null) {
            LOG.info("safety: off (BATON_SAFETY names no classifiers file)");
            return;
        }
        LOG.infof("safety: %s%s", describe(rules.defaults()),
                rules.tenants().isEmpty() ? "" : "; tenant overrides: " + rules.tenants().keySet());
    }

    private static String describe(List<ClassifierSpec> specs) {
        List<String> parts = new ArrayList<>();
        specs.forEach(spec -> parts.add(spec.name() + " (" + spec.type() + ", " + spec.action() + ", " + spec.scope() + ")"));
        return parts.isEmpty() ? "no classifiers" : String.join(", ", parts);
    }

    /**
     * Screens a turn's new items.
     *
     * @param before the context the items will be appended to (read only for {@code scope: window})
     * @param caller the Vert.x context to answer on after a classifier's network call, or {@code null}
     * @return fails with an {@link dev.baton.protocol.ApiException} ({@code input_blocked}) when a classifier blocks
     */
    public Uni<Screened> screen(TenantId tenant, List<Item> items, RenderedContext before, Context caller) {
        List<ClassifierSpec> specs = rules == null ? List.of()
                : rules.forTenant(tenant.value()).stream().filter(ClassifierSpec::onInput).toList();
        if (specs.isEmpty()) {
            return Uni.createFrom().item(new Screened(items, null));
        }
        ItemTexts texts = new ItemTexts(items);
        List<Uni<Outcome>> scans = new ArrayList<>(specs.size());
        boolean remote = false;
        ScanText newInput = ScanText.of("", texts.texts()); // what every scope-new classifier reads: joined once
        for (ClassifierSpec spec : specs) {
            ScanText scan = spec.scope().equals(ClassifierSpec.WINDOW)
                    ? ScanText.of(windowText(before, spec.windowTokens()), texts.texts()) : newInput;
            scans.add(run(spec, scan));
            remote |= spec.classifier() instanceof ModerationsClassifier;
        }
        Uni<List<Outcome>> all = Uni.join().all(scans).andCollectFailures();
        if (remote && caller != null) {
            all = all.emitOn(task -> caller.runOnContext(ignored -> task.run()));
        }
        return all.map(outcomes -> decide(outcomes, texts));
    }

    /** The response's {@code baton_safety} with the output classifiers' verdicts added under {@code output}. */
    public static com.fasterxml.jackson.databind.JsonNode withOutput(com.fasterxml.jackson.databind.JsonNode verdicts,
                                                                     ArrayNode output) {
        ObjectNode merged = verdicts instanceof ObjectNode object ? object.deepCopy() : new ObjectMapper().createObjectNode();
        merged.set("output", output);
        return merged;
    }

    /** The tenant's output classifiers for one turn, or {@code null} when it has none. */
    public OutputScreen outputScreen(TenantId tenant) {
        if (rules == null) {
            return null;
        }
        List<ClassifierSpec> specs = rules.forTenant(tenant.value()).stream().filter(spec -> !spec.onInput()).toList();
        return specs.isEmpty() ? null : new OutputScreen(specs, metrics, json);
    }

    private Uni<Outcome> run(ClassifierSpec spec, ScanText scan) {
        long started = System.nanoTime();
        metrics.call(spec);
        metrics.scanned(spec, "new", scan.newChars());
        metrics.scanned(spec, "window", scan.window());
        Uni<List<Finding>> findings;
        try {
            findings = spec.classifier().scan(scan);
        } catch (RuntimeException e) {
            findings = Uni.createFrom().failure(e);
        }
        return findings.map(found -> new Outcome(spec, scan, found, false))
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("safety classifier %s failed: %s", spec.name(), failure.getMessage());
                    return new Outcome(spec, scan, List.of(), true);
                })
                .invoke(() -> metrics.took(spec, started));
    }

    private Screened decide(List<Outcome> outcomes, ItemTexts texts) {
        ObjectNode verdicts = json.createObjectNode();
        ArrayNode list = verdicts.putArray("classifiers");
        Map<Integer, List<int[]>> redactions = new TreeMap<>();
        Map<Integer, List<String>> redactionLabels = new TreeMap<>();
        Outcome blocking = null;
        for (Outcome outcome : outcomes) {
            ClassifierSpec spec = outcome.spec();
            Set<String> labels = new LinkedHashSet<>();
            List<Finding> counted = new ArrayList<>();
            for (Finding finding : outcome.findings()) {
                if (outcome.scan().counts(finding)) {
                    counted.add(finding);
                    labels.add(finding.label());
                }
            }
            String result;
            if (outcome.failed()) {
                result = spec.blockOnError() ? "blocked" : "error";
                metrics.error(spec);
                if (spec.blockOnError() && blocking == null) {
                    blocking = outcome;
                }
            } else if (counted.isEmpty()) {
                result = "clear";
            } else {
                result = switch (spec.action()) {
                    case ClassifierSpec.BLOCK -> "blocked";
                    case ClassifierSpec.REDACT -> "redacted";
                    default -> "flagged";
                };
                if (spec.action().equals(ClassifierSpec.BLOCK) && blocking == null) {
                    blocking = outcome;
                }
                if (spec.action().equals(ClassifierSpec.REDACT)) {
                    collect(outcome.scan(), counted, redactions, redactionLabels);
                }
            }
            metrics.verdict(spec, result);
            ObjectNode verdict = list.addObject().put("name", spec.name()).put("scope", spec.scope()).put("result", result);
            if (!labels.isEmpty()) {
                labels.forEach(verdict.putArray("labels")::add);
            }
        }
        verdicts.put("scanned_chars", outcomes.isEmpty() ? 0 : outcomes.get(0).scan().newChars());
        if (blocking != null) {
            throw ApiError.inputBlocked(blocking.failed()
                    ? "The input could not be checked by the safety classifier '" + blocking.spec().name()
                            + "', which blocks when it fails; try again."
                    : "The input was blocked by the safety classifier '" + blocking.spec().name() + "' ("
                            + String.join(", ", labels(blocking)) + ").").exception();
        }
        if (redactions.isEmpty()) {
            return new Screened(texts.items(), verdicts);
        }
        return new Screened(texts.replaced(redact(texts.texts(), redactions, redactionLabels)), verdicts);
    }

    private static List<String> labels(Outcome outcome) {
        Set<String> labels = new LinkedHashSet<>();
        outcome.findings().stream().filter(f -> outcome.scan().counts(f)).forEach(f -> labels.add(f.label()));
        return List.copyOf(labels);
    }

    /** Maps findings onto the new texts they cover (never onto the window). */
    private static void collect(ScanText scan, List<Finding> findings, Map<Integer, List<int[]>> ranges,
                                Map<Integer, List<String>> labels) {
        for (Finding finding : findings) {
            for (ScanText.Segment segment : scan.segments()) {
                int from = Math.max(finding.start(), Math.max(scan.window(), segment.start()));
                int to = Math.min(finding.end(), segment.end());
                if (from < to) {
                    ranges.computeIfAbsent(segment.index(), k -> new ArrayList<>())
                            .add(new int[] {from - segment.start(), to - segment.start()});
                    labels.computeIfAbsent(segment.index(), k -> new ArrayList<>()).add(finding.label());
                }
            }
        }
    }

    /** Each text with its found spans (merged where they overlap) replaced by {@code [REDACTED:label]}. */
    private static Map<Integer, String> redact(List<String> texts, Map<Integer, List<int[]>> ranges,
                                               Map<Integer, List<String>> labels) {
        Map<Integer, String> out = new TreeMap<>();
        ranges.forEach((index, spans) -> {
            String text = texts.get(index);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < spans.size(); i++) {
                order.add(i);
            }
            order.sort((a, b) -> Integer.compare(spans.get(a)[0], spans.get(b)[0]));
            StringBuilder redacted = new StringBuilder(text.length());
            int at = 0;
            for (int i : order) {
                int[] span = spans.get(i);
                if (span[1] <= at) {
                    continue; // inside a span already replaced
                }
                redacted.append(text, at, Math.max(at, span[0]));
                redacted.append("[REDACTED:").append(labels.get(index).get(i)).append(']');
                at = span[1];
            }
            redacted.append(text.substring(at));
            out.put(index, redacted.toString());
        });
        return out;
    }

    /** The last {@code tokens} tokens of the context's text, newest last; walks back only as far as needed. */
    static String windowText(RenderedContext before, int tokens) {
        List<String> parts = new ArrayList<>();
        long budget = tokens;
        for (RenderedContext node = before; node.size() > 0 && budget > 0; node = node.previous()) {
            String text = String.join("\n", new ItemTexts(List.of(node.last())).texts());
            long cost = Math.max(1, node.tokens() - node.previous().tokens());
            if (cost <= budget) {
                parts.add(0, text);
                budget -= cost;
            } else {
                int keep = (int) (text.length() * budget / cost);
                parts.add(0, text.substring(text.length() - keep));
                budget = 0;
            }
        }
        return String.join("\n", parts);
    }
}
