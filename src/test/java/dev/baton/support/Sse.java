package dev.baton.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Parses a Server-Sent Events body the way an SSE client does: blocks separated by blank lines. */
public final class Sse {

    private static final ObjectMapper JSON = new ObjectMapper();

    public record Event(String name, JsonNode data) {
        public String type() {
            return data.path("type").asText();
        }
    }

    private Sse() {
    }

    public static List<Event> parse(String body) {
        List<Event> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String name = null;
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                } else {
                    throw new AssertionError("unexpected SSE line: " + line);
                }
            }
            try {
                events.add(new Event(name, JSON.readTree(data.toString())));
            } catch (IOException e) {
                throw new UncheckedIOException("SSE data is not JSON: " + data, e);
            }
        }
        return events;
    }
}
