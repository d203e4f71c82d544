package dev.baton.safety;

import dev.baton.config.Secrets;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Reads a {@code BATON_SAFETY} file: {@code classifiers} (each {@code name}, {@code type}, {@code action},
 * {@code scope}, {@code window_tokens}, and for {@code openai-moderations} {@code url}, {@code api_key_env},
 * {@code model}, {@code timeout}, {@code on_error}) and per-tenant {@code tenants.<tenant>} overrides
 * ({@code disable}: names; {@code classifiers}: replaced by name, or added). Every mistake is refused with the
 * file, the classifier and the field named.
 */
final class SafetyFile {

    static final List<String> TYPES = List.of("secrets", "pii", "injection", "openai-moderations");

    /** The classifiers every tenant gets, and the lists of tenants that override them. */
    record Rules(List<ClassifierSpec> defaults, Map<String, List<ClassifierSpec>> tenants) {
        List<ClassifierSpec> forTenant(String tenant) {
            return tenants.getOrDefault(tenant, defaults);
        }
    }

    private final Path file;
    private final Vertx vertx;
    private final ObjectMapper json;
    private final UnaryOperator<String> environment;

    private SafetyFile(Path file, Vertx vertx, ObjectMapper json, UnaryOperator<String> environment) {
        this.file = file;
        this.vertx = vertx;
        this.json = json;
        this.environment = environment;
    }

    static Rules read(Path file, Vertx vertx, ObjectMapper json, UnaryOperator<String> environment) {
        return new SafetyFile(file, vertx, json, environment).read();
    }

    private Rules read() {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw invalid("cannot be read (" + e.getMessage() + ")");
        }
        if (root == null || !root.path("classifiers").isArray()) {
            throw invalid("needs a 'classifiers' list");
        }
        List<ClassifierSpec> defaults = list(root.get("classifiers"), "classifiers");
        Map<String, List<ClassifierSpec>> tenants = new HashMap<>();
        JsonNode overrides = root.path("tenants");
        if (!overrides.isMissingNode() && !overrides.isObject()) {
            throw invalid("field tenants must map tenant names to overrides");
        }
        overrides.fields().forEachRemaining(entry -> tenants.put(entry.getKey(),
                tenant(entry.getKey(), entry.getValue(), defaults)));
        return new Rules(defaults, Map.copyOf(tenants));
    }

    private List<ClassifierSpec> tenant(String tenant, JsonNode override, List<ClassifierSpec> defaults) {
        String where = "tenants." + tenant;
        Map<String, ClassifierSpec> byName = new LinkedHashMap<>();
        defaults.forEach(spec -> byName.put(spec.name(), spec));
        for (JsonNode name : override.path("disable")) {
            if (byName.remove(name.asText()) == null) {
                throw invalid(where + ".disable names '" + name.asText() + "', which is not a classifier");
            }
        }
        if (override.has("classifiers")) {
            if (!override.get("classifiers").isArray()) {
                throw invalid(where + ".classifiers must be a list");
            }
            list(override.get("classifiers"), where + ".classifiers").forEach(spec -> byName.put(spec.name(), spec));
        }
        return List.copyOf(byName.values());
    }

    private List<ClassifierSpec> list(JsonNode nodes, String where) {
        List<ClassifierSpec> specs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            ClassifierSpec spec = classifier(nodes.get(i), where + "[" + i + "]");
            if (!names.add(spec.name())) {
                throw invalid(where + "[" + i + "] repeats the name '" + spec.name() + "'");
            }
            specs.add(spec);
        }
        return List.copyOf(specs);
    }

    private ClassifierSpec classifier(JsonNode node, String at) {
        String name = text(node, "name");
        if (name == null || name.isBlank()) {
            throw invalid(at + " needs a 'name'");
        }
        String where = at + " (name: " + name + ")";
        String type = oneOf(node, "type", null, TYPES, where);
        String action = oneOf(node, "action", null, List.of(ClassifierSpec.BLOCK, ClassifierSpec.REDACT, ClassifierSpec.FLAG), where);
        String scope = oneOf(node, "scope", ClassifierSpec.NEW, List.of(ClassifierSpec.NEW, ClassifierSpec.WINDOW), where);
        int window = 0;
        if (scope.equals(ClassifierSpec.WINDOW)) {
            window = node.path("window_tokens").asInt(0);
            if (!node.path("window_tokens").isInt() || window <= 0) {
                throw invalid(where + " field window_tokens must be a positive number with scope: window");
            }
        }
        String applyTo = oneOf(node, "apply_to", ClassifierSpec.INPUT, List.of(ClassifierSpec.INPUT, ClassifierSpec.OUTPUT), where);
        if (applyTo.equals(ClassifierSpec.OUTPUT) && action.equals(ClassifierSpec.REDACT)) {
            throw invalid(where + " field action: redact applies to input only (streamed output cannot be taken back); "
                    + "use block or flag with apply_to: output");
        }
        if (applyTo.equals(ClassifierSpec.OUTPUT) && scope.equals(ClassifierSpec.WINDOW)) {
            throw invalid(where + " field scope: window applies to input only (an output classifier reads the whole output)");
        }
        boolean blockOnError = oneOf(node, "on_error", "allow", List.of("allow", "block"), where).equals("block");
        Classifier classifier = switch (type) {
            case "secrets" -> PatternClassifier.secrets();
            case "pii" -> PatternClassifier.pii();
            case "injection" -> PatternClassifier.injection();
            default -> moderations(node, where);
        };
        return new ClassifierSpec(name, type, action, scope, window, blockOnError, applyTo, classifier);
    }

    private Classifier moderations(JsonNode node, String where) {
        String url = text(node, "url");
        if (url == null) {
            throw invalid(where + " needs a 'url' (the base URL: Baton posts to <url>/moderations)");
        }
        URI base;
        try {
            base = URI.create(url.endsWith("/") ? url : url + "/");
        } catch (IllegalArgumentException e) {
            throw invalid(where + " field url is not a URL: " + Secrets.redact(url));
        }
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
            throw invalid(where + " field url must be http:// or https://: " + Secrets.redact(url));
        }
        Map<String, String> headers = new HashMap<>();
        String keyVariable = text(node, "api_key_env");
        if (keyVariable != null) {
            String key = environment.apply(keyVariable);
            if (key == null) {
                throw invalid(where + " field api_key_env names " + keyVariable + ", which is not set");
            }
            headers.put("authorization", "Bearer " + key);
        }
        Duration timeout = Duration.ofSeconds(5);
        String given = text(node, "timeout");
        if (given != null) {
            try {
                timeout = given.matches("\\d+") ? Duration.ofSeconds(Long.parseLong(given))
                        : given.endsWith("ms") ? Duration.ofMillis(Long.parseLong(given.substring(0, given.length() - 2)))
                        : Duration.parse("PT" + given.toUpperCase());
            } catch (DateTimeParseException | NumberFormatException e) {
                throw invalid(where + " field timeout must be a duration such as 2s or 500ms, not " + given);
            }
            if (timeout.isZero() || timeout.isNegative()) {
                throw invalid(where + " field timeout must be positive");
            }
        }
        return new ModerationsClassifier(vertx, json, base, text(node, "model"), headers, timeout);
    }

    private String oneOf(JsonNode node, String field, String fallback, List<String> allowed, String where) {
        String value = text(node, field);
        if (value == null && fallback != null) {
            return fallback;
        }
        if (value == null) {
            throw invalid(where + " needs '" + field + "' (" + String.join(", ", allowed) + ")");
        }
        if (!allowed.contains(value)) {
            throw invalid(where + " field " + field + " must be " + String.join(", ", allowed) + ", not '" + value + "'");
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private IllegalStateException invalid(String problem) {
        return new IllegalStateException("BATON_SAFETY file " + file + ": " + problem);
    }
}
