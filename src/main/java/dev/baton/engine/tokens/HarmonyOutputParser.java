package dev.baton.engine.tokens;

import dev.baton.engine.EngineEvent;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a token-in engine's generated text into Responses items, for gpt-oss's harmony format. The prompt ends with
 * {@code <|start|>assistant}; the model then writes messages, each a header and a body:
 * {@code <|channel|>analysis<|message|>…<|end|>} (its reasoning: a reasoning item),
 * {@code <|channel|>final<|message|>…<|return|>} (the answer: a message), {@code <|channel|>commentary<|message|>…}
 * (a preamble to the user: a message) and {@code <|channel|>commentary to=functions.NAME <|constrain|>json<|message|>
 * {…}<|call|>} (a function call; the recipient may also come before the channel). Each further message starts with
 * {@code <|start|>assistant}. Bodies stream as deltas, a call's arguments included, since the header names the function
 * first. The stop token ({@code <|return|>}, {@code <|call|>}) may be missing from the text: the end of generation
 * closes the open item. Text without any harmony header (a misconfigured engine that drops special tokens) is kept as
 * one message rather than lost. Not thread-safe: one instance per turn.
 */
public final class HarmonyOutputParser extends TaggedTextParser {

    private static final String START = "<|start|>";
    private static final String MESSAGE = "<|message|>";
    private static final List<String> BODY_ENDS = List.of("<|end|>", "<|call|>", "<|return|>");
    private static final Pattern RECIPIENT = Pattern.compile("to=([^\\s<]+)");
    private static final Pattern CHANNEL = Pattern.compile("<\\|channel\\|>\\s*([A-Za-z_]+)");

    private enum Mode { HEADER, REASONING, TEXT, CALL, BETWEEN }

    private Mode mode = Mode.HEADER;
    private boolean callHasArguments;

    @Override
    protected void finish(List<EngineEvent> events) {
        if (mode == Mode.HEADER && !pending.toString().isBlank()) {
            // no header ever came: the text is all there is, kept as the answer
            events.add(new EngineEvent.MessageStarted());
            events.add(new EngineEvent.TextDelta(pending.toString().strip()));
            events.add(new EngineEvent.ItemDone());
        } else if (mode != Mode.HEADER && mode != Mode.BETWEEN) {
            closeItem(events); // the stop token ended generation without appearing in the text
        }
        pending.setLength(0);
    }

    @Override
    protected boolean step(List<EngineEvent> events, boolean atEnd) {
        if (pending.length() == 0) {
            return false;
        }
        switch (mode) {
            case HEADER -> {
                int at = pending.indexOf(MESSAGE);
                if (at < 0) {
                    return false; // a header is read whole
                }
                String header = pending.substring(0, at);
                pending.delete(0, at + MESSAGE.length());
                open(header, events);
                return true;
            }
            case BETWEEN -> {
                int at = pending.indexOf(START);
                if (at < 0) {
                    int keep = atEnd ? 0 : heldBack(List.of(START));
                    pending.delete(0, pending.length() - keep); // nothing belongs to an item between messages
                    return false;
                }
                pending.delete(0, at + START.length());
                mode = Mode.HEADER;
                return true;
            }
            default -> {
                int at = -1;
                String end = null;
                for (String candidate : BODY_ENDS) {
                    int i = pending.indexOf(candidate);
                    if (i >= 0 && (at < 0 || i < at)) {
                        at = i;
                        end = candidate;
                    }
                }
                if (at < 0) {
                    int keep = atEnd ? 0 : heldBack(BODY_ENDS);
                    emit(pending.substring(0, pending.length() - keep), events);
                    pending.delete(0, pending.length() - keep);
                    return false;
                }
                emit(pending.substring(0, at), events);
                pending.delete(0, at + end.length());
                closeItem(events);
                mode = Mode.BETWEEN;
                return true;
            }
        }
    }

    /** Opens the item a header announces: a call when it names a recipient, reasoning on analysis, else a message. */
    private void open(String header, List<EngineEvent> events) {
        Matcher recipient = RECIPIENT.matcher(header);
        Matcher channel = CHANNEL.matcher(header);
        if (recipient.find()) {
            String to = recipient.group(1);
            events.add(new EngineEvent.FunctionCallStarted(CallIds.next(),
                    to.startsWith("functions.") ? to.substring("functions.".length()) : to));
            callHasArguments = false;
            mode = Mode.CALL;
        } else if (channel.find() && channel.group(1).equals("analysis")) {
            events.add(new EngineEvent.ReasoningStarted());
            mode = Mode.REASONING;
        } else {
            events.add(new EngineEvent.MessageStarted());
            mode = Mode.TEXT;
        }
    }

    private void emit(String text, List<EngineEvent> events) {
        if (text.isEmpty()) {
            return;
        }
        switch (mode) {
            case REASONING -> events.add(new EngineEvent.ReasoningDelta(text));
            case CALL -> {
                events.add(new EngineEvent.ArgumentsDelta(text));
                callHasArguments = true;
            }
            default -> events.add(new EngineEvent.TextDelta(text));
        }
    }

    private void closeItem(List<EngineEvent> events) {
        if (mode == Mode.CALL && !callHasArguments) {
            events.add(new EngineEvent.ArgumentsDelta("{}"));
        }
        events.add(new EngineEvent.ItemDone());
        mode = Mode.BETWEEN;
    }
}
