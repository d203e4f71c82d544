package dev.baton.engine.tokens;

import dev.baton.engine.EngineEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Feeding an output parser as an engine would, and reading back what a client ends up with. */
final class ParserRuns {

    private ParserRuns() {
    }

    /** The events of {@code output} fed in chunks of 1 to 6 characters cut by {@code cuts}, or whole when null. */
    static List<EngineEvent> run(OutputParser parser, String output, Random cuts) {
        List<EngineEvent> events = new ArrayList<>();
        int from = 0;
        while (from < output.length()) {
            int to = cuts == null ? output.length() : Math.min(output.length(), from + 1 + cuts.nextInt(6));
            events.addAll(parser.feed(output.substring(from, to)));
            from = to;
        }
        events.addAll(parser.end());
        return events;
    }

    /** The events with call ids and delta boundaries normalised: what a client ends up with. */
    static List<String> summary(List<EngineEvent> events) {
        List<String> out = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (EngineEvent event : events) {
            if (event instanceof EngineEvent.TextDelta d) {
                text.append(d.text());
            } else if (event instanceof EngineEvent.ReasoningDelta d) {
                text.append(d.text());
            } else if (event instanceof EngineEvent.ArgumentsDelta d) {
                text.append(d.delta());
            } else {
                if (text.length() > 0) {
                    out.add("text:" + text);
                    text.setLength(0);
                }
                out.add(event instanceof EngineEvent.FunctionCallStarted call ? "call:" + call.name()
                        : event.getClass().getSimpleName());
            }
        }
        return out;
    }
}
