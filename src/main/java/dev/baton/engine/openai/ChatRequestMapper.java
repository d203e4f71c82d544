package dev.baton.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.engine.EngineRequest;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.FunctionCallOutputItem;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;

/**
 * Maps a turn to an OpenAI-compatible {@code /v1/chat/completions} streaming request: instructions
 * become the first system message; developer messages become system messages (many engines reject
 * the developer role); an assistant's text and the function calls that follow it become one
 * assistant message with {@code tool_calls}; outputs become {@code tool} messages; images are passed
 * as {@code image_url} parts; {@code text.format} (structured outputs) becomes {@code response_format}.
 * Reasoning items and tool types other than {@code function} have no chat-completions form and are
 * left out (docs/engines.md).
 */
final class ChatRequestMapper {

    private final ObjectMapper json;

    ChatRequestMapper(ObjectMapper json) {
        this.json = json;
    }

    ObjectNode map(EngineRequest request, String upstreamModel) {
        ObjectNode body = json.createObjectNode();
        body.put("model", upstreamModel);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        ArrayNode messages = body.putArray("messages");
        if (request.instructions() != null && !request.instructions().isEmpty()) {
            messages.addObject().put("role", "system").put("content", request.instructions());
        }
        ObjectNode openAssistant = null;
        for (Item contextItem : request.context().items()) {
            Item item = contextItem instanceof CompactionItem compaction ? compaction.asUserMessage() : contextItem;
            if (item instanceof MessageItem message) {
                openAssistant = null;
                ObjectNode mapped = messages.addObject();
                mapped.put("role", role(message.role()));
                mapped.set("content", content(message));
                if (MessageItem.ASSISTANT.equals(message.role())) {
                    openAssistant = mapped;
                }
            } else if (item instanceof FunctionCallItem call) {
                if (openAssistant == null) {
                    openAssistant = messages.addObject();
                    openAssistant.put("role", "assistant");
                    openAssistant.putNull("content");
                }
                ArrayNode calls = openAssistant.has("tool_calls") ? (ArrayNode) openAssistant.get("tool_calls")
                        : openAssistant.putArray("tool_calls");
                ObjectNode mapped = calls.addObject();
                mapped.put("id", call.callId());
                mapped.put("type", "function");
                mapped.putObject("function").put("name", call.name()).put("arguments", call.arguments());
            } else if (item instanceof FunctionCallOutputItem output) {
                openAssistant = null;
                messages.addObject().put("role", "tool").put("tool_call_id", output.callId())
                        .put("content", output.outputText());
            }
        }
        ArrayNode tools = json.createArrayNode();
        for (JsonNode tool : request.tools()) {
            if ("function".equals(tool.path("type").asText())) {
                ObjectNode function = json.createObjectNode();
                function.put("name", tool.path("name").asText());
                copy(tool, function, "description");
                copy(tool, function, "parameters");
                copy(tool, function, "strict");
                tools.addObject().put("type", "function").set("function", function);
            }
        }
        if (!tools.isEmpty()) {
            body.set("tools", tools);
            body.put("parallel_tool_calls", request.parallelToolCalls());
            if (request.toolChoice() != null) {
                body.set("tool_choice", toolChoice(request.toolChoice()));
            }
        }
        sampling(request, body);
        JsonNode format = request.text() == null ? null : request.text().get("format");
        if (format != null && format.isObject()) {
            responseFormat(format, body);
        }
        return body;
    }

    /** Structured outputs: the Responses {@code text.format} as the chat {@code response_format}. */
    private void responseFormat(JsonNode format, ObjectNode body) {
        String type = format.path("type").asText("");
        if (type.equals("json_object")) {
            body.putObject("response_format").put("type", "json_object");
        } else if (type.equals("json_schema")) {
            ObjectNode schema = body.putObject("response_format").put("type", "json_schema").putObject("json_schema");
            schema.put("name", format.path("name").asText("response"));
            copy(format, schema, "description");
            copy(format, schema, "schema");
            copy(format, schema, "strict");
        }
    }

    private JsonNode toolChoice(JsonNode choice) {
        if (choice.isObject() && "function".equals(choice.path("type").asText())) {
            ObjectNode mapped = json.createObjectNode();
            mapped.put("type", "function");
            mapped.putObject("function").put("name", choice.path("name").asText());
            return mapped;
        }
        return choice;
    }

    private JsonNode content(MessageItem message) {
        boolean textOnly = message.content().stream().allMatch(part -> part instanceof ContentPart.Text);
        if (textOnly) {
            return json.getNodeFactory().textNode(message.text());
        }
        ArrayNode parts = json.createArrayNode();
        for (ContentPart part : message.content()) {
            if (part instanceof ContentPart.Text text) {
                parts.addObject().put("type", "text").put("text", text.text());
            } else if (part instanceof ContentPart.Opaque opaque && "input_image".equals(opaque.type())) {
                String url = opaque.json().path("image_url").asText(opaque.json().path("url").asText(""));
                parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
            }
        }
        return parts;
    }

    private static String role(String role) {
        return "developer".equals(role) ? "system" : role;
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        if (from.has(field)) {
            to.set(field, from.get(field));
        }
    }

    /** {@code max_tokens}, {@code temperature}, {@code top_p} and the penalties as the OpenAI-compatible servers take them. */
    static void sampling(EngineRequest request, ObjectNode body) {
        if (request.maxOutputTokens() != null) {
            body.put("max_tokens", request.maxOutputTokens());
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (request.topP() != null) {
            body.put("top_p", request.topP());
        }
        if (request.presencePenalty() != null) {
            body.put("presence_penalty", request.presencePenalty());
        }
        if (request.frequencyPenalty() != null) {
            body.put("frequency_penalty", request.frequencyPenalty());
        }
    }
}
