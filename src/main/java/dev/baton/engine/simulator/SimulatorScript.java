package dev.baton.engine.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scripted scenarios for the simulator, read from a JSON file:
 * <pre>{@code
 * {"scenarios": {
 *   "agent-loop": {"repeat": false, "turns": [
 *     {"function_calls": [{"name": "exec_command", "arguments": {"cmd": "ls"}}]},
 *     {"text": "Done. Context {fingerprint}."}]},
 *   "default": {"turns": [{"text": "Hello from the script."}]}}}
 * }</pre>
 * A request whose {@code model} names a scenario plays it, any other model plays {@code default}
 * when present. The turn played is the number of model turns already in the context, so a
 * chained conversation and the same conversation re-sent in full play the same turn. Past the
 * last turn a scenario repeats (with {@code "repeat": true}) or falls back to generated text.
 * {@code {fingerprint}} and {@code {turn}} in texts and argument strings are substituted.
 */
public record SimulatorScript(Map<String, Scenario> scenarios) {

    public static final SimulatorScript NONE = new SimulatorScript(Map.of());

    public record Scenario(List<Turn> turns, boolean repeat) {

        /** The turn to play after {@code modelTurns} earlier model turns, or {@code null} for generated text. */
        public Turn turn(int modelTurns) {
            if (turns.isEmpty()) {
                return null;
            }
            if (modelTurns < turns.size()) {
                return turns.get(modelTurns);
            }
            return repeat ? turns.get(modelTurns % turns.size()) : null;
        }
    }

    /** One scripted model turn: optional text, then zero or more function calls. */
    public record Turn(String text, List<Call> functionCalls) {
    }

    public record Call(String name, String arguments) {
    }

    /** The scenario a model plays, or {@code null} for generated text. */
    public Scenario scenarioFor(String model) {
        Scenario scenario = scenarios.get(model);
        return scenario != null ? scenario : scenarios.get("default");
    }

    public static SimulatorScript load(Path file, ObjectMapper json) {
        try {
            return parse(json.readTree(Files.readString(file)));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("Cannot read simulator script " + file + ": " + e.getMessage(), e);
        }
    }

    static SimulatorScript parse(JsonNode root) {
        JsonNode scenarios = root.path("scenarios");
        if (!scenarios.isObject()) {
            throw new IllegalArgumentException("expected an object 'scenarios'");
        }
        Map<String, Scenario> map = new LinkedHashMap<>();
        scenarios.fields().forEachRemaining(e -> map.put(e.getKey(), scenario(e.getKey(), e.getValue())));
        return new SimulatorScript(Map.copyOf(map));
    }

    private static Scenario scenario(String name, JsonNode node) {
        JsonNode turns = node.path("turns");
        if (!turns.isArray()) {
            throw new IllegalArgumentException("scenario '" + name + "' needs an array 'turns'");
        }
        List<Turn> list = new ArrayList<>();
        for (JsonNode turn : turns) {
            String text = turn.hasNonNull("text") ? turn.get("text").asText() : null;
            List<Call> calls = new ArrayList<>();
            for (JsonNode call : turn.path("function_calls")) {
                if (!call.hasNonNull("name")) {
                    throw new IllegalArgumentException("scenario '" + name + "': a function call needs a 'name'");
                }
                JsonNode arguments = call.path("arguments");
                calls.add(new Call(call.get("name").asText(),
                        arguments.isTextual() ? arguments.textValue() : arguments.isMissingNode() ? "{}" : arguments.toString()));
            }
            if (text == null && calls.isEmpty()) {
                throw new IllegalArgumentException("scenario '" + name + "': a turn needs 'text' or 'function_calls'");
            }
            list.add(new Turn(text, List.copyOf(calls)));
        }
        return new Scenario(List.copyOf(list), node.path("repeat").asBoolean(false));
    }
}
