package dev.baton.engine.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import dev.baton.render.jinja.JinjaTemplate;
import java.io.IOException;
import java.util.List;

/**
 * Turns a token-in engine's generated text into Responses items, for the Hermes/Qwen output format:
 * {@code <think>…</think>} becomes a reasoning item, each {@code <tool_call>{"name": …, "arguments": …}</tool_call>}
 * a function call, the rest the assistant message. Text arrives in chunks split anywhere — inside a tag too —
 * so a chunk's tail that could still begin a tag is held back until the next chunk decides it. Reasoning and
 * message text stream as deltas; a tool call is emitted whole once its closing tag arrives (its JSON must be
 * complete to name the function). Not thread-safe: one instance per turn.
 */
public final class HermesOutputParser extends TaggedTextParser {

    private static final String THINK_OPEN = "<think>";
    private static final String THINK_CLOSE = "</think>";
    private static final String CALL_OPEN = "<tool_call>";
    private static final String CALL_CLOSE = "</tool_call>";

    private enum Mode { TEXT, THINK, CALL }

    private final ObjectMapper json;
    private final StringBuilder call = new StringBuilder();
    private Mode mode = Mode.TEXT;
    private boolean messageOpen;
    private boolean reasoningOpen;
    private boolean sawText;
    private boolean skipNewlines;

    /** @param startsInReasoning the prompt already opened {@code <think>} (templates that force thinking) */
    public HermesOutputParser(ObjectMapper json, boolean startsInReasoning) {
        this.json = json;
        if (startsInReasoning) {
            mode = Mode.THINK;
        }
    }

    @Override
    protected void finish(List<EngineEvent> events) {
        if (mode == Mode.CALL) {
            throw new EngineException("server_error", "The model's output ended inside a <tool_call>.");
        }
        closeReasoning(events);
        closeMessage(events);
    }

    @Override
    protected boolean step(List<EngineEvent> events, boolean atEnd) {
        if (pending.length() == 0) {
            return false;
        }
        String closing = mode == Mode.THINK ? THINK_CLOSE : mode == Mode.CALL ? CALL_CLOSE : null;
        List<String> tags = mode == Mode.TEXT ? List.of(THINK_OPEN, CALL_OPEN) : List.of(closing);
        int at = -1;
        String tag = null;
        for (String candidate : tags) {
            int i = pending.indexOf(candidate);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
                tag = candidate;
            }
        }
        if (at < 0) {
            int keep = atEnd ? 0 : heldBack(tags);
            if (!atEnd && mode != Mode.CALL) {
                keep += newlinesBefore(pending.length() - keep); // may be the newlines before a tag
            }
            if (pending.length() - keep <= 0) {
                return false;
            }
            String run = pending.substring(0, pending.length() - keep);
            emit(atEnd && mode != Mode.CALL ? stripTrailingNewlines(run) : run, events);
            pending.delete(0, pending.length() - keep);
            return false;
        }
        if (at > 0) {
            String before = pending.substring(0, at);
            emit(mode == Mode.CALL ? before : stripTrailingNewlines(before), events); // items end without newlines
        }
        pending.delete(0, at + tag.length());
        switch (tag) {
            case THINK_OPEN -> {
                closeMessage(events);
                mode = Mode.THINK;
            }
            case THINK_CLOSE -> {
                closeReasoning(events);
                mode = Mode.TEXT;
                skipNewlines = true;
            }
            case CALL_OPEN -> {
                closeMessage(events);
                mode = Mode.CALL;
                call.setLength(0);
            }
            default -> { // CALL_CLOSE
                events.addAll(toolCall(call.toString()));
                mode = Mode.TEXT;
                skipNewlines = true;
            }
        }
        return true;
    }

    /** How many newlines end {@code pending} just before {@code end}. */
    private int newlinesBefore(int end) {
        int n = 0;
        while (end - n > 0 && (pending.charAt(end - n - 1) == '\n' || pending.charAt(end - n - 1) == '\r')) {
            n++;
        }
        return n;
    }

    private static String stripTrailingNewlines(String text) {
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
            end--;
        }
        return text.substring(0, end);
    }

    private void emit(String text, List<EngineEvent> events) {
        if (skipNewlines && mode != Mode.CALL) {
            text = stripLeading(text); // the newlines after a closing tag belong to no item
            skipNewlines = text.isEmpty();
        }
        if (text.isEmpty()) {
            return;
        }
        switch (mode) {
            case THINK -> {
                if (!reasoningOpen) {
                    events.add(new EngineEvent.ReasoningStarted());
                    reasoningOpen = true;
                    text = stripLeading(text);
                    if (text.isEmpty()) {
                        return;
                    }
                }
                events.add(new EngineEvent.ReasoningDelta(text));
            }
            case CALL -> call.append(text);
            default -> {
                if (!messageOpen) {
                    if (!sawText && text.isBlank()) {
                        return; // whitespace between items is not a message
                    }
                    events.add(new EngineEvent.MessageStarted());
                    messageOpen = true;
                }
                sawText = true;
                events.add(new EngineEvent.TextDelta(text));
            }
        }
    }

    private List<EngineEvent> toolCall(String body) {
        JsonNode parsed;
        try {
            parsed = json.readTree(body.strip());
        } catch (IOException e) {
            throw new EngineException("server_error", "The model wrote a <tool_call> that is not JSON: " + e.getMessage());
        }
        String name = parsed == null ? "" : parsed.path("name").asText("");
        if (name.isEmpty()) {
            throw new EngineException("server_error", "The model wrote a <tool_call> without a function name.");
        }
        JsonNode arguments = parsed.path("arguments");
        // written as vLLM's parser writes them (Python's json.dumps), so a client sees what it would see from vLLM
        String argumentsJson = arguments.isTextual() ? arguments.asText()
                : arguments.isMissingNode() ? "{}" : JinjaTemplate.pythonJson(arguments);
        return List.of(new EngineEvent.FunctionCallStarted(CallIds.next(), name),
                new EngineEvent.ArgumentsDelta(argumentsJson), new EngineEvent.ItemDone());
    }

    private void closeMessage(List<EngineEvent> events) {
        if (messageOpen) {
            events.add(new EngineEvent.ItemDone());
            messageOpen = false;
            sawText = false;
        }
    }

    private void closeReasoning(List<EngineEvent> events) {
        if (reasoningOpen) {
            events.add(new EngineEvent.ItemDone());
            reasoningOpen = false;
        }
    }

    private static String stripLeading(String text) {
        int i = 0;
        while (i < text.length() && (text.charAt(i) == '\n' || text.charAt(i) == '\r')) {
            i++;
        }
        return text.substring(i);
    }
}
