package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/** One part of a message's {@code content}. */
public sealed interface ContentPart permits ContentPart.Text, ContentPart.Opaque {

    String type();

    /** The text the model reads or wrote for this part; empty for parts it cannot read as text. */
    String text();

    /** {@code input_text}, {@code output_text} or {@code refusal}. */
    @RegisterForReflection
    @JsonPropertyOrder({"type", "text", "annotations"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Text(String type, String text, List<JsonNode> annotations) implements ContentPart {

        public static final String INPUT_TEXT = "input_text";
        public static final String OUTPUT_TEXT = "output_text";

        public static Text input(String text) {
            return new Text(INPUT_TEXT, text, null);
        }

        public static Text output(String text) {
            return new Text(OUTPUT_TEXT, text, List.of());
        }
    }

    /**
     * Any other part ({@code input_image}, {@code input_file}, ...), carried through as sent;
     * {@code jsonLength} is its serialized size, measured once (images can be megabytes of base64).
     */
    @RegisterForReflection
    record Opaque(String type, @JsonValue JsonNode json, int jsonLength) implements ContentPart {

        public Opaque(String type, JsonNode json) {
            this(type, json, json.toString().length());
        }

        @Override
        public String text() {
            return "";
        }
    }
}
