package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One coding agent's loop: a task, then per turn the model calls a tool and the agent answers with the
 * tool's output, growing turn by turn. What it sends depends on the {@link Mode}; the conversation is
 * the same in every mode.
 */
final class Agent {

    /** How an agent's requests are shaped. */
    interface Style {
        /** Whether a turn sends {@code previous_response_id} and its new items, else the whole history. */
        boolean chained();

        /** Whether the turns go over one WebSocket (WebSocket mode), else HTTP with SSE. */
        boolean socket();

        /** Whether requests carry {@code store: false} (state on the connection, or resent), else the default. */
        boolean unstored();
    }

    static final String INSTRUCTIONS = ("You are a careful coding agent working in a large repository. Plan before "
            + "you act, run one command per step, read its output fully, and keep the user informed. ").repeat(12);
    private static final String[] WORDS = ("the build log shows compile test module error warning passed failed line "
            + "file class method import package value return static final public private void int string list map "
            + "config server client request response token cache chain replica socket stream event").split(" ");

    private final Style mode;
    private final URL target;
    private final int turns;
    private final int baseToolBytes;
    private final int toolBytesPerTurn;
    private final Random words;
    private final String task;

    Agent(Style mode, URL target, int turns, int baseToolBytes, int toolBytesPerTurn, long seed) {
        this.mode = mode;
        this.target = target;
        this.turns = turns;
        this.baseToolBytes = baseToolBytes;
        this.toolBytesPerTurn = toolBytesPerTurn;
        this.words = new Random(seed);
        this.task = "Task " + seed + ": make the failing build green and explain the fix.";
    }

    /** The task the agent starts with (its first user message). */
    String task() {
        return task;
    }

    /** What one agent saw: its turns, and its end-to-end time (connect included). */
    record Run(List<TurnResult> turns, double endToEndMs) {
        boolean failed() {
            return turns.stream().anyMatch(TurnResult::failed);
        }
    }

    Run run() {
        long started = System.nanoTime();
        List<TurnResult> results = new ArrayList<>();
        List<JsonNode> transcript = new ArrayList<>();
        String previous = null;
        String callId = null;
        try (Wire.Socket socket = mode.socket() ? Wire.Socket.open(target) : null) {
            for (int turn = 1; turn <= turns; turn++) {
                List<JsonNode> added = turn == 1 ? List.of(user(task)) : List.of(toolOutput(callId, toolOutput(turn)));
                ObjectNode body = request(added, transcript, previous);
                TurnResult result = socket != null ? socket.turn(body) : Wire.streamedTurn(target, body);
                results.add(result);
                if (result.failed()) {
                    break;
                }
                transcript.addAll(added);
                result.response().path("output").forEach(transcript::add);
                previous = result.response().path("id").asText();
                callId = lastCallId(result.response());
                if (callId == null) {
                    results.add(TurnResult.failure(0, "the model made no function call at turn " + turn));
                    break;
                }
            }
        }
        return new Run(results, Wire.millis(System.nanoTime() - started));
    }

    private ObjectNode request(List<JsonNode> added, List<JsonNode> transcript, String previous) {
        ObjectNode body = Wire.JSON.createObjectNode();
        body.put("model", Deployment.AGENT_MODEL);
        body.put("instructions", INSTRUCTIONS);
        body.set("tools", tools());
        ArrayNode input = body.putArray("input");
        if (mode.chained()) {
            if (previous != null) {
                body.put("previous_response_id", previous);
            }
        } else {
            transcript.forEach(input::add);
        }
        added.forEach(input::add);
        if (mode.unstored()) {
            body.put("store", false);
        }
        return body;
    }

    /**
     * The output of the call the model made at turn {@code turn - 1}, marked {@code [step turn-1]} (an engine that
     * charges per turn reads the mark: {@link CostEngine}).
     */
    String toolOutput(int turn) {
        int bytes = baseToolBytes + toolBytesPerTurn * (turn - 1);
        StringBuilder text = new StringBuilder(bytes + 16).append("[step ").append(turn - 1).append("]\n");
        while (text.length() < bytes) {
            text.append(WORDS[words.nextInt(WORDS.length)]).append(text.length() % 97 == 0 ? '\n' : ' ');
        }
        return text.toString();
    }

    static ObjectNode user(String text) {
        ObjectNode message = Wire.JSON.createObjectNode();
        message.put("type", "message").put("role", "user").put("content", text);
        return message;
    }

    static ObjectNode toolOutput(String callId, String output) {
        ObjectNode item = Wire.JSON.createObjectNode();
        item.put("type", "function_call_output").put("call_id", callId).put("output", output);
        return item;
    }

    static String lastCallId(JsonNode response) {
        String id = null;
        for (JsonNode item : response.path("output")) {
            if ("function_call".equals(item.path("type").asText())) {
                id = item.path("call_id").asText();
            }
        }
        return id;
    }

    static ArrayNode tools() {
        ArrayNode tools = Wire.JSON.createArrayNode();
        for (String name : List.of("exec_command", "apply_patch", "read_file")) {
            ObjectNode tool = tools.addObject();
            tool.put("type", "function").put("name", name).put("description", "The agent's " + name + " tool.");
            ObjectNode parameters = tool.putObject("parameters");
            parameters.put("type", "object");
            parameters.putObject("properties").putObject("cmd").put("type", "string");
            parameters.putArray("required").add("cmd");
        }
        return tools;
    }
}
