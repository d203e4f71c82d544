package dev.baton.engine.tokens;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.render.jinja.JinjaTemplate;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Llama 3.x tool calls, as vLLM's {@code llama3_json} parser reads them: a reply that starts with
 * {@code <|python_tag|>} or <code>{</code> is a call — one JSON object <code>{"name": …, "parameters": …}</code>
 * ({@code arguments} also accepted), or several separated by {@code ;} — and any other reply is the assistant
 * message, streamed as it comes. Whether a reply is a call is known from its first characters; a call is held
 * until generation ends (its JSON must be whole), and a would-be call that does not parse is the message text, as
 * vLLM does. Arguments are written as Python's {@code json.dumps} writes them. Llama 3 has no reasoning format.
 */
public final class Llama3JsonOutputParser implements OutputParser {

    private static final String PYTHON_TAG = "<|python_tag|>";

    private enum Mode { UNDECIDED, TEXT, CALL }

    private final ObjectMapper json;
    private final StringBuilder held = new StringBuilder();
    private Mode mode = Mode.UNDECIDED;
    private boolean messageOpen;

    public Llama3JsonOutputParser(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public List<EngineEvent> feed(String text) {
        List<EngineEvent> events = new ArrayList<>();
        if (mode == Mode.TEXT) {
            text(text, events);
            return events;
        }
        held.append(text);
        if (mode == Mode.UNDECIDED) {
            decide(events);
        }
        return events;
    }

    /** Decides from the first characters after leading whitespace; waits while they could still begin the tag. */
    private void decide(List<EngineEvent> events) {
        String start = held.toString().stripLeading();
        if (start.isEmpty() || (PYTHON_TAG.startsWith(start) && start.length() < PYTHON_TAG.length())) {
            return;
        }
        if (start.startsWith(PYTHON_TAG) || start.startsWith("{")) {
            mode = Mode.CALL;
            return;
        }
        mode = Mode.TEXT;
        text(start, events);
        held.setLength(0);
    }

    @Override
    public List<EngineEvent> end() {
        List<EngineEvent> events = new ArrayList<>();
        if (mode != Mode.TEXT && !held.toString().isBlank()) {
            List<EngineEvent> calls = mode == Mode.CALL ? calls(held.toString().strip()) : null;
            if (calls != null) {
                events.addAll(calls);
            } else {
                text(held.toString().stripLeading(), events); // not a call after all: the reply is text
            }
        }
        held.setLength(0);
        if (messageOpen) {
            events.add(new EngineEvent.ItemDone());
            messageOpen = false;
        }
        return events;
    }

    private void text(String text, List<EngineEvent> events) {
        if (text.isEmpty()) {
            return;
        }
        if (!messageOpen) {
            events.add(new EngineEvent.MessageStarted());
            messageOpen = true;
        }
        events.add(new EngineEvent.TextDelta(text));
    }

    /** The calls of a whole reply, or {@code null} when it is not a sequence of JSON calls. */
    private List<EngineEvent> calls(String reply) {
        String body = reply.startsWith(PYTHON_TAG) ? reply.substring(PYTHON_TAG.length()) : reply;
        List<EngineEvent> events = new ArrayList<>();
        int at = skipSpace(body, 0);
        while (at < body.length()) {
            if (body.charAt(at) != '{') {
                return null;
            }
            JsonNode call;
            try (JsonParser parser = json.createParser(body.substring(at))) {
                call = json.readTree(parser);
                at += (int) parser.currentTokenLocation().getCharOffset() + 1; // just past the closing brace
            } catch (IOException e) {
                return null;
            }
            String name = call.path("name").asText("");
            JsonNode arguments = call.has("arguments") ? call.get("arguments") : call.get("parameters");
            if (name.isEmpty() || arguments == null) {
                return null;
            }
            String argumentsJson = arguments.isTextual() ? arguments.asText() : JinjaTemplate.pythonJson(arguments);
            events.add(new EngineEvent.FunctionCallStarted(CallIds.next(), name));
            events.add(new EngineEvent.ArgumentsDelta(argumentsJson));
            events.add(new EngineEvent.ItemDone());
            at = skipSpace(body, at);
            if (at < body.length() && body.charAt(at) == ';') {
                at = skipSpace(body, at + 1);
            }
        }
        return events.isEmpty() ? null : events;
    }

    private static int skipSpace(String text, int from) {
        int i = from;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }
}
