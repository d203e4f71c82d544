package dev.baton.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Baton's own reading of the OpenResponses specification ({@value #SPEC_VERSION}, the OpenAPI document of
 * {@code openresponses/openresponses}): for every kind of object Baton emits, the fields the spec requires, the JSON
 * kind of each (nullable where the spec allows {@code null}, enum values where they are few) and, recursively, the
 * shapes of what they hold. Written by hand from the spec rather than generated from it, so a rule says what Baton
 * promises; fields beyond these (Baton's extensions such as {@code baton_safety}, {@code conversation}, {@code user})
 * are allowed, as the spec allows additional properties.
 *
 * <p>Each shape is named after the spec's schema it stands for. A few event types Baton emits are not in the spec;
 * they are listed in {@link #EXTENSION_EVENTS} with the reason, and checked by Baton's own rule. The envelopes the
 * spec does not define (lists, deletions, conversations) have rules of their own at the end, marked as such.
 */
public final class SpecShapes {

    /** The spec's {@code info.version} these rules were written from. */
    public static final String SPEC_VERSION = "2026-04-24";

    /** What a check found: every violation (path and rule) and every shape it visited. */
    public static final class Report {
        private final List<String> violations = new ArrayList<>();
        private final Set<String> seen = new LinkedHashSet<>();

        void violation(String path, String rule) {
            violations.add(path + ": " + rule);
        }

        public List<String> violations() {
            return violations;
        }

        /** The shapes (and event types) the checked values exercised: proof a session covered what it claims. */
        public Set<String> seen() {
            return seen;
        }
    }

    /** One rule for a JSON value at a path. */
    @FunctionalInterface
    public interface Rule {
        void check(JsonNode value, String path, Report report);
    }

    // ---- the rule vocabulary ----

    static final Rule STRING = kind("a string", JsonNode::isTextual);
    static final Rule INTEGER = kind("an integer", JsonNode::isIntegralNumber);
    static final Rule NUMBER = kind("a number", JsonNode::isNumber);
    static final Rule BOOLEAN = kind("a boolean", JsonNode::isBoolean);
    static final Rule OBJECT = kind("an object", JsonNode::isObject);
    /** Present with any value (the spec gives {@code metadata} no type). */
    static final Rule ANY = (value, path, report) -> { };

    private static Rule kind(String what, Predicate<JsonNode> test) {
        return (value, path, report) -> {
            if (!test.test(value)) {
                report.violation(path, "must be " + what + ", is " + describe(value));
            }
        };
    }

    /** A string from a small set. */
    static Rule oneOf(String... values) {
        List<String> allowed = Arrays.asList(values);
        return (value, path, report) -> {
            if (!value.isTextual() || !allowed.contains(value.textValue())) {
                report.violation(path, "must be one of " + allowed + ", is " + describe(value));
            }
        };
    }

    static Rule nullable(Rule rule) {
        return (value, path, report) -> {
            if (!value.isNull()) {
                rule.check(value, path, report);
            }
        };
    }

    static Rule arrayOf(Rule element) {
        return (value, path, report) -> {
            if (!value.isArray()) {
                report.violation(path, "must be an array, is " + describe(value));
                return;
            }
            for (int i = 0; i < value.size(); i++) {
                element.check(value.get(i), path + "[" + i + "]", report);
            }
        };
    }

    /** The first alternative that holds; when none does, the violations of each are reported together. */
    static Rule either(String what, Rule... alternatives) {
        return (value, path, report) -> {
            List<String> why = new ArrayList<>();
            for (Rule alternative : alternatives) {
                Report attempt = new Report();
                alternative.check(value, path, attempt);
                if (attempt.violations.isEmpty()) {
                    report.seen.addAll(attempt.seen);
                    return;
                }
                why.add(String.join("; ", attempt.violations).replace(path + ": ", ""));
            }
            report.violation(path, "must be " + what + " (" + String.join(" | ", why) + ")");
        };
    }

    /** A named shape, looked up when checked so shapes may refer to each other in any order. */
    static Rule ref(String shape) {
        return (value, path, report) -> shape(shape).check(value, path, report);
    }

    /** A union told apart by its {@code type} field: each type names the shape it must have. */
    static Rule byType(String union, Map<String, String> shapes) {
        return (value, path, report) -> {
            if (!value.isObject()) {
                report.violation(path, union + " must be an object, is " + describe(value));
                return;
            }
            String type = value.path("type").asText(null);
            String shape = type == null ? null : shapes.get(type);
            if (shape == null) {
                report.violation(path, union + " of type " + describe(value.path("type")) + " is not one the spec "
                        + "defines " + shapes.keySet());
                return;
            }
            shape(shape).check(value, path, report);
        };
    }

    /** An object with required and optional fields; fields not named are allowed. */
    static final class Shape implements Rule {
        private final String name;
        private final Map<String, Rule> required = new LinkedHashMap<>();
        private final Map<String, Rule> optional = new LinkedHashMap<>();

        private Shape(String name) {
            this.name = name;
        }

        Shape required(String field, Rule rule) {
            required.put(field, rule);
            return this;
        }

        Shape optional(String field, Rule rule) {
            optional.put(field, rule);
            return this;
        }

        /** The fields of {@code other} this shape does not name itself (its {@code type}, say). */
        Shape like(String other) {
            Shape base = shape(other);
            base.required.forEach(required::putIfAbsent);
            base.optional.forEach(optional::putIfAbsent);
            return this;
        }

        @Override
        public void check(JsonNode value, String path, Report report) {
            report.seen.add(name);
            if (!value.isObject()) {
                report.violation(path, name + " must be an object, is " + describe(value));
                return;
            }
            required.forEach((field, rule) -> {
                if (!value.has(field)) {
                    report.violation(path + "." + field, "required by " + name + ", missing");
                } else {
                    rule.check(value.get(field), path + "." + field, report);
                }
            });
            optional.forEach((field, rule) -> {
                if (value.has(field)) {
                    rule.check(value.get(field), path + "." + field, report);
                }
            });
        }
    }

    private static final Map<String, Shape> SHAPES = new LinkedHashMap<>();

    private static Shape define(String name) {
        Shape shape = new Shape(name);
        SHAPES.put(name, shape);
        return shape;
    }

    static Shape shape(String name) {
        Shape shape = SHAPES.get(name);
        if (shape == null) {
            throw new IllegalArgumentException("no shape " + name);
        }
        return shape;
    }

    private static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "absent";
        }
        if (value.isNull()) {
            return "null";
        }
        String text = value.toString();
        return value.getNodeType().name().toLowerCase() + " " + (text.length() > 60 ? text.substring(0, 57) + "..." : text);
    }

    private SpecShapes() {
    }

    // ---- unions of the spec ----

    private static final Map<String, String> CONTENT_PARTS = Map.of(
            "input_text", "InputTextContent", "output_text", "OutputTextContent", "text", "TextContent",
            "summary_text", "SummaryTextContent", "reasoning_text", "ReasoningTextContent", "refusal", "RefusalContent",
            "input_image", "InputImageContent", "input_file", "InputFileContent", "input_video", "InputVideoContent");
    /** A message's content may hold any part; a reasoning item and the part events, any but video. */
    static final Rule MESSAGE_PART = byType("content part", CONTENT_PARTS);
    static final Rule PART = byType("content part", without(CONTENT_PARTS, "input_video"));
    static final Rule TOOL_OUTPUT_PART = byType("tool output part", Map.of("input_text", "InputTextContent",
            "input_image", "InputImageContent", "input_file", "InputFileContent"));
    static final Rule ITEM = byType("item", Map.of("message", "Message", "function_call", "FunctionCall",
            "function_call_output", "FunctionCallOutput", "reasoning", "ReasoningBody", "compaction", "CompactionBody"));
    static final Rule TOOL = byType("tool", Map.of("function", "FunctionTool"));
    static final Rule TEXT_FORMAT = byType("text format", Map.of("text", "TextResponseFormat",
            "json_object", "JsonObjectResponseFormat", "json_schema", "JsonSchemaResponseFormat"));
    static final Rule TOOL_CHOICE = either("a tool choice", oneOf("none", "auto", "required"),
            byType("tool choice", Map.of("function", "FunctionToolChoice", "allowed_tools", "AllowedToolChoice")));
    static final Rule STATUS = oneOf("in_progress", "completed", "incomplete");

    private static Map<String, String> without(Map<String, String> union, String type) {
        Map<String, String> copy = new LinkedHashMap<>(union);
        copy.remove(type);
        return copy;
    }

    /**
     * Event types Baton emits that the spec does not name, each checked by its own shape above. Not gaps in a required
     * field: the spec's event union is closed, and these are additions a client that ignores unknown types skips.
     */
    public static final Map<String, String> EXTENSION_EVENTS = Map.of(
            // the spec names these response.reasoning.delta|done; OpenAI's API and SDKs name them reasoning_text, and
            // Baton serves the SDKs: renaming them would break every OpenAI client that reads reasoning
            "response.reasoning_text.delta", "OpenAI's name for the spec's response.reasoning.delta",
            "response.reasoning_text.done", "OpenAI's name for the spec's response.reasoning.done",
            "response.compaction.compacting", "Baton's progress of a context_management compaction (docs/protocol.md)",
            "response.cancelled", "a cancelled background response's terminal event, as OpenAI sends it",
            "response.steer.failed", "OpenAI's refusal of a response.steer over a socket (docs/websocket.md#steering)",
            "response.steer.accepted", "OpenAI's acknowledgement of a response.steer (docs/websocket.md#steering)",
            "response.steer.pending", "OpenAI's steer waiting for tool output (docs/websocket.md#steering)");

    static {
        // content parts
        define("InputTextContent").required("type", oneOf("input_text")).required("text", STRING);
        define("OutputTextContent").required("type", oneOf("output_text")).required("text", STRING)
                .required("annotations", arrayOf(ref("UrlCitationBody"))).optional("logprobs", arrayOf(ref("LogProb")));
        define("TextContent").required("type", oneOf("text")).required("text", STRING);
        define("SummaryTextContent").required("type", oneOf("summary_text")).required("text", STRING);
        define("ReasoningTextContent").required("type", oneOf("reasoning_text")).required("text", STRING);
        define("RefusalContent").required("type", oneOf("refusal")).required("refusal", STRING);
        define("InputImageContent").required("type", oneOf("input_image")).required("image_url", nullable(STRING))
                .required("detail", oneOf("low", "high", "auto"));
        define("InputFileContent").required("type", oneOf("input_file")).optional("filename", STRING)
                .optional("file_url", STRING);
        define("InputVideoContent").required("type", oneOf("input_video")).required("video_url", STRING);
        define("UrlCitationBody").required("type", oneOf("url_citation")).required("url", STRING)
                .required("start_index", INTEGER).required("end_index", INTEGER).required("title", STRING);
        define("TopLogProb").required("token", STRING).required("logprob", NUMBER).required("bytes", arrayOf(INTEGER));
        define("LogProb").like("TopLogProb").required("top_logprobs", arrayOf(ref("TopLogProb")));

        // items (ItemField)
        define("Message").required("type", oneOf("message")).required("id", STRING).required("status", STATUS)
                .required("role", oneOf("user", "assistant", "system", "developer"))
                .required("content", arrayOf(MESSAGE_PART)).optional("phase", oneOf("commentary", "final_answer"));
        define("FunctionCall").required("type", oneOf("function_call")).required("id", STRING)
                .required("call_id", STRING).required("name", STRING).required("arguments", STRING)
                .required("status", STATUS);
        define("FunctionCallOutput").required("type", oneOf("function_call_output")).required("id", STRING)
                .required("call_id", STRING)
                .required("output", either("a string or tool output parts", STRING, arrayOf(TOOL_OUTPUT_PART)))
                .required("status", STATUS);
        define("ReasoningBody").required("type", oneOf("reasoning")).required("id", STRING)
                .required("summary", arrayOf(PART)).optional("content", arrayOf(PART))
                .optional("encrypted_content", STRING);
        define("CompactionBody").required("type", oneOf("compaction")).required("id", STRING)
                .required("encrypted_content", STRING).optional("created_by", STRING);

        // the response resource and what it holds
        define("FunctionTool").required("type", oneOf("function")).required("name", STRING)
                .required("description", nullable(STRING)).required("parameters", nullable(OBJECT))
                .required("strict", nullable(BOOLEAN));
        define("FunctionToolChoice").required("type", oneOf("function")).optional("name", STRING);
        define("AllowedToolChoice").required("type", oneOf("allowed_tools"))
                .required("tools", arrayOf(ref("FunctionToolChoice"))).required("mode", oneOf("none", "auto", "required"));
        define("TextResponseFormat").required("type", oneOf("text"));
        define("JsonObjectResponseFormat").required("type", oneOf("json_object"));
        // the spec types json_schema's "schema" as null, which reads as a generator slip: any value is accepted
        define("JsonSchemaResponseFormat").required("type", oneOf("json_schema")).required("name", STRING)
                .required("description", nullable(STRING)).required("schema", ANY).required("strict", BOOLEAN);
        define("TextField").required("format", TEXT_FORMAT).optional("verbosity", oneOf("low", "medium", "high"));
        define("Reasoning").required("effort", nullable(oneOf("none", "low", "medium", "high", "xhigh")))
                .required("summary", nullable(oneOf("concise", "detailed", "auto")));
        define("InputTokensDetails").required("cached_tokens", INTEGER);
        define("OutputTokensDetails").required("reasoning_tokens", INTEGER);
        define("Usage").required("input_tokens", INTEGER).required("output_tokens", INTEGER)
                .required("total_tokens", INTEGER).required("input_tokens_details", ref("InputTokensDetails"))
                .required("output_tokens_details", ref("OutputTokensDetails"));
        define("Error").required("code", STRING).required("message", STRING);
        define("IncompleteDetails").required("reason", STRING);
        define("ResponseResource")
                .required("id", STRING).required("object", oneOf("response")).required("created_at", INTEGER)
                .required("completed_at", nullable(INTEGER)).required("status", STRING)
                .required("incomplete_details", nullable(ref("IncompleteDetails"))).required("model", STRING)
                .required("previous_response_id", nullable(STRING)).required("instructions", nullable(STRING))
                .required("output", arrayOf(ITEM)).required("error", nullable(ref("Error")))
                .required("tools", arrayOf(TOOL)).required("tool_choice", TOOL_CHOICE)
                .required("truncation", oneOf("auto", "disabled")).required("parallel_tool_calls", BOOLEAN)
                .required("text", ref("TextField")).required("top_p", NUMBER).required("presence_penalty", NUMBER)
                .required("frequency_penalty", NUMBER).required("top_logprobs", INTEGER).required("temperature", NUMBER)
                .required("reasoning", nullable(ref("Reasoning"))).required("usage", nullable(ref("Usage")))
                .required("max_output_tokens", nullable(INTEGER)).required("max_tool_calls", nullable(INTEGER))
                .required("store", BOOLEAN).required("background", BOOLEAN).required("service_tier", STRING)
                .required("metadata", ANY).required("safety_identifier", nullable(STRING))
                .required("prompt_cache_key", nullable(STRING));
        define("CompactResource").required("id", STRING).required("object", oneOf("response.compaction"))
                .required("output", arrayOf(ITEM)).required("created_at", INTEGER).required("usage", ref("Usage"));

        // streaming events: every one has a type and a sequence number
        for (String type : List.of("created", "queued", "in_progress", "completed", "failed", "incomplete")) {
            event("response." + type).required("response", ref("ResponseResource"));
        }
        for (String type : List.of("added", "done")) {
            event("response.output_item." + type).required("output_index", INTEGER).required("item", nullable(ITEM));
            itemEvent("response.content_part." + type).required("content_index", INTEGER)
                    .required("part", PART);
            itemEvent("response.reasoning_summary_part." + type).required("summary_index", INTEGER)
                    .required("part", PART);
        }
        itemEvent("response.output_text.delta").required("content_index", INTEGER).required("delta", STRING)
                .optional("logprobs", arrayOf(ref("LogProb"))).optional("obfuscation", STRING);
        itemEvent("response.output_text.done").required("content_index", INTEGER).required("text", STRING)
                .optional("logprobs", arrayOf(ref("LogProb")));
        itemEvent("response.refusal.delta").required("content_index", INTEGER).required("delta", STRING);
        itemEvent("response.refusal.done").required("content_index", INTEGER).required("refusal", STRING);
        itemEvent("response.reasoning.delta").required("content_index", INTEGER).required("delta", STRING)
                .optional("obfuscation", STRING);
        itemEvent("response.reasoning.done").required("content_index", INTEGER).required("text", STRING);
        itemEvent("response.reasoning_summary_text.delta").required("summary_index", INTEGER).required("delta", STRING)
                .optional("obfuscation", STRING);
        itemEvent("response.reasoning_summary_text.done").required("summary_index", INTEGER).required("text", STRING);
        itemEvent("response.output_text.annotation.added").required("content_index", INTEGER)
                .required("annotation_index", INTEGER).required("annotation", nullable(ref("UrlCitationBody")));
        itemEvent("response.function_call_arguments.delta").required("delta", STRING).optional("obfuscation", STRING);
        itemEvent("response.function_call_arguments.done").required("arguments", STRING);
        define("ErrorPayload").required("type", STRING).required("code", nullable(STRING)).required("message", STRING)
                .required("param", nullable(STRING)).optional("headers", OBJECT);
        event("error").required("error", ref("ErrorPayload"));

        // WebSocket mode: a failure is its own envelope, not the stream's error event
        define("WebSocketErrorPayload").required("code", STRING).required("message", STRING).optional("type", STRING)
                .optional("param", nullable(STRING));
        define("WebSocketErrorEvent").required("type", oneOf("error")).required("status", INTEGER)
                .required("error", ref("WebSocketErrorPayload"));

        // Baton's extension events (EXTENSION_EVENTS), with the spec's fields for the same kind of event
        itemEvent("response.reasoning_text.delta").like("event response.reasoning.delta");
        itemEvent("response.reasoning_text.done").like("event response.reasoning.done");
        itemEvent("response.compaction.compacting");
        event("response.cancelled").required("response", ref("ResponseResource"));
        event("response.steer.failed").required("steer", OBJECT).required("error", ref("WebSocketErrorPayload"));
        event("response.steer.accepted").required("steer", OBJECT);
        event("response.steer.pending").required("steer", OBJECT).required("reason", STRING)
                .required("required_input", arrayOf(OBJECT));

        // ---- outside the spec: envelopes OpenResponses does not define, in the OpenAI API's shape Baton follows ----
        define("List").required("object", oneOf("list")).required("data", arrayOf(ITEM))
                .required("first_id", nullable(STRING)).required("last_id", nullable(STRING))
                .required("has_more", BOOLEAN);
        define("Deleted").required("id", STRING).required("object", oneOf("response.deleted", "conversation.deleted"))
                .required("deleted", BOOLEAN);
        define("Conversation").required("id", STRING).required("object", oneOf("conversation"))
                .required("created_at", INTEGER).required("metadata", OBJECT);
    }

    private static Shape event(String type) {
        return define("event " + type).required("type", oneOf(type)).required("sequence_number", INTEGER);
    }

    private static Shape itemEvent(String type) {
        return event(type).required("item_id", STRING).required("output_index", INTEGER);
    }

    // ---- entry points ----

    /** Checks {@code value} against the named shape ({@code ResponseResource}, {@code CompactResource}, {@code List}...). */
    public static void check(String shape, JsonNode value, String where, Report report) {
        shape(shape).check(value, where, report);
    }

    /** An item as an API returns it (the spec's {@code ItemField}). */
    public static void checkItem(JsonNode value, String where, Report report) {
        ITEM.check(value, where, report);
    }

    /** An SSE {@code data:} payload: one of the spec's streaming events, an error being the stream's error event. */
    public static void checkSseEvent(JsonNode value, String where, Report report) {
        checkEvent(value, where, report, "event error");
    }

    /** A WebSocket frame: the streaming events unchanged, but a failure is the spec's {@code WebSocketErrorEvent}. */
    public static void checkSocketFrame(JsonNode value, String where, Report report) {
        checkEvent(value, where, report, "WebSocketErrorEvent");
    }

    private static void checkEvent(JsonNode value, String where, Report report, String errorShape) {
        String type = value.path("type").asText("");
        String shape = type.equals("error") ? errorShape : "event " + type;
        if (!SHAPES.containsKey(shape)) {
            report.violation(where, "event type " + describe(value.path("type")) + " is not one the spec defines");
            return;
        }
        report.seen.add(type);
        shape(shape).check(value, where, report);
    }
}
