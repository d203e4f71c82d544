package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The same agent without Baton: it keeps its history and sends all of it to the engine's own chat-completions
 * endpoint every turn, and, as a gateway without Baton's design must, has everything it sends screened by the
 * moderations endpoint first. The conversation (task, tool outputs, the engine's replies) is the one {@link Agent}
 * has for the same seed.
 */
final class DirectAgent {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final URL engine;
    private final URL moderations;
    private final int turns;
    private final Agent texts;

    /**
     * @param engine      the engine's base URL as the agent reaches it (through the link)
     * @param moderations the moderations endpoint's base URL
     * @param texts       the agent whose task and tool outputs this one sends
     */
    DirectAgent(URL engine, URL moderations, int turns, Agent texts) {
        this.engine = engine;
        this.moderations = moderations;
        this.turns = turns;
        this.texts = texts;
    }

    Agent.Run run() {
        long started = System.nanoTime();
        List<TurnResult> results = new ArrayList<>();
        ArrayNode messages = Wire.JSON.createArrayNode();
        messages.addObject().put("role", "system").put("content", Agent.INSTRUCTIONS);
        messages.addObject().put("role", "user").put("content", texts.task());
        for (int turn = 1; turn <= turns; turn++) {
            TurnResult result = turn(messages);
            results.add(result);
            if (result.failed()) {
                break;
            }
            JsonNode reply = result.response();
            messages.add(reply);
            String callId = reply.at("/tool_calls/0/id").asText(null);
            if (callId == null) {
                results.add(TurnResult.failure(0, "the model made no tool call at turn " + turn));
                break;
            }
            messages.addObject().put("role", "tool").put("tool_call_id", callId).put("content", texts.toolOutput(turn + 1));
        }
        return new Agent.Run(results, Wire.millis(System.nanoTime() - started));
    }

    /** One turn: moderation of everything sent, then the streamed completion; the response is the assistant message. */
    private TurnResult turn(ArrayNode messages) {
        ObjectNode body = Wire.JSON.createObjectNode();
        body.put("model", Deployment.AGENT_MODEL).put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        body.set("messages", messages);
        ArrayNode tools = body.putArray("tools");
        for (JsonNode tool : Agent.tools()) {
            ObjectNode function = tools.addObject().put("type", "function").putObject("function");
            function.put("name", tool.path("name").asText()).put("description", tool.path("description").asText());
            function.set("parameters", tool.path("parameters"));
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        long sent = System.nanoTime();
        try {
            moderate(messages);
            HttpRequest request = HttpRequest.newBuilder(URI.create(engine + "/v1/chat/completions"))
                    .timeout(Wire.TURN_DEADLINE).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
            HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                if (response.statusCode() != 200) {
                    return TurnResult.failure(bytes.length, "HTTP " + response.statusCode() + ": " + reader.readLine());
                }
                return read(reader, sent, bytes.length);
            }
        } catch (IOException e) {
            return TurnResult.failure(bytes.length, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return TurnResult.failure(bytes.length, "interrupted");
        }
    }

    private static TurnResult read(BufferedReader reader, long sent, long bytes) throws IOException {
        long firstDelta = 0;
        int deltas = 0;
        StringBuilder content = new StringBuilder();
        ObjectNode call = null;
        String line;
        while ((line = reader.readLine()) != null) {
            if (!line.startsWith("data:")) {
                continue;
            }
            String data = line.substring(5).strip();
            if (data.equals("[DONE]")) {
                long now = System.nanoTime();
                ObjectNode message = Wire.JSON.createObjectNode().put("role", "assistant").put("content", content.toString());
                if (call != null) {
                    message.putArray("tool_calls").add(call);
                }
                return new TurnResult(Wire.millis((firstDelta == 0 ? now : firstDelta) - sent), Wire.millis(now - sent),
                        bytes, message, null, deltas);
            }
            JsonNode delta = Wire.JSON.readTree(data).at("/choices/0/delta");
            String text = delta.path("content").asText("");
            if (!text.isEmpty()) {
                deltas++;
                firstDelta = firstDelta == 0 ? System.nanoTime() : firstDelta;
                content.append(text);
            }
            JsonNode toolCall = delta.at("/tool_calls/0");
            if (!toolCall.isMissingNode()) {
                call = Wire.JSON.createObjectNode().put("id", toolCall.path("id").asText()).put("type", "function");
                call.putObject("function").put("name", toolCall.at("/function/name").asText())
                        .put("arguments", toolCall.at("/function/arguments").asText());
            }
        }
        return TurnResult.failure(bytes, "stream ended without [DONE]");
    }

    /** Everything about to be sent, screened: one input entry per message with text. */
    private void moderate(ArrayNode messages) throws IOException, InterruptedException {
        ObjectNode body = Wire.JSON.createObjectNode().put("model", "cost-moderation");
        ArrayNode input = body.putArray("input");
        for (JsonNode message : messages) {
            String text = message.path("content").asText("");
            if (!text.isEmpty()) {
                input.add(text);
            }
        }
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(moderations + "/v1/moderations"))
                .timeout(Wire.TURN_DEADLINE).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200 || Wire.JSON.readTree(answer.body()).at("/results/0/flagged").asBoolean()) {
            throw new IOException("moderation refused the turn: " + answer.statusCode() + " " + answer.body());
        }
    }
}
