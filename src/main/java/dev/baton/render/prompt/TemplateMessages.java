package dev.baton.render.prompt;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.FunctionCallOutputItem;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.protocol.ReasoningItem;
import dev.baton.render.jinja.JinjaTemplate;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A conversation as chat templates receive it, in vLLM's conventions: {@code instructions} as the first
 * system message; {@code developer} messages as system messages; a reasoning item, the assistant message
 * and the function calls after it (one response) as one assistant message with {@code reasoning_content} (and
 * {@code thinking}, gpt-oss's name, unless the message also has text beside its calls, which gpt-oss's template refuses)
 * and {@code tool_calls} ({@code {"type":"function","id":call_id,"function":{"name","arguments"}}}, the
 * arguments' JSON string parsed into its value as vLLM and SGLang pass it, so templates that write
 * {@code arguments | tojson} — Llama 3.x — get the object); a {@code function_call_output} as a {@code tool} message; function tools as
 * {@code {"type":"function","function":{"name","description","parameters"}}}. Other item kinds (hosted tool
 * calls, images) have no text form and are left out.
 */
public final class TemplateMessages {

    private static final ObjectMapper ARGUMENTS = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private TemplateMessages() {
    }

    public static List<Object> messages(String instructions, List<Item> items) {
        List<Object> messages = new ArrayList<>();
        if (instructions != null && !instructions.isEmpty()) {
            messages.add(message("system", instructions));
        }
        Map<String, Object> assistant = null; // the assistant message the current response is still adding to
        for (Item listed : items) {
            Item item = listed instanceof CompactionItem compaction ? compaction.asUserMessage() : listed;
            if (item instanceof ReasoningItem reasoning) {
                assistant = message("assistant", null);
                String reasoned = reasoningText(reasoning);
                assistant.put("reasoning_content", reasoned); // Qwen's and vLLM's name
                assistant.put("thinking", reasoned); // gpt-oss's: its template keeps the reasoning of a tool chain
                messages.add(assistant);
            } else if (item instanceof MessageItem message) {
                if (MessageItem.ASSISTANT.equals(message.role())) {
                    if (assistant == null || assistant.get("content") != null || assistant.containsKey("tool_calls")) {
                        assistant = message("assistant", null);
                        messages.add(assistant);
                    }
                    assistant.put("content", message.text());
                } else {
                    assistant = null;
                    messages.add(message("developer".equals(message.role()) ? "system" : message.role(), message.text()));
                }
            } else if (item instanceof FunctionCallItem call) {
                if (assistant == null) {
                    assistant = message("assistant", null);
                    messages.add(assistant);
                }
                @SuppressWarnings("unchecked")
                List<Object> calls = (List<Object>) assistant.computeIfAbsent("tool_calls", key -> new ArrayList<>());
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", call.name());
                function.put("arguments", arguments(call.arguments()));
                Map<String, Object> mapped = new LinkedHashMap<>();
                mapped.put("type", "function");
                mapped.put("id", call.callId());
                mapped.put("function", function);
                calls.add(mapped);
            } else if (item instanceof FunctionCallOutputItem output) {
                assistant = null;
                Map<String, Object> tool = message("tool", output.outputText());
                tool.put("tool_call_id", output.callId());
                messages.add(tool);
            }
        }
        for (Object message : messages) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) message;
            m.putIfAbsent("content", "");
            if (m.get("content") == null) {
                m.put("content", "");
            }
            if (m.containsKey("tool_calls") && !"".equals(m.get("content"))) {
                m.remove("thinking"); // gpt-oss's template refuses both beside a call; it reads the content as analysis
            }
        }
        return messages;
    }

    /** Function tools in the chat form; other tool types have no template form. */
    public static List<Object> tools(List<JsonNode> tools) {
        List<Object> mapped = new ArrayList<>();
        for (JsonNode tool : tools) {
            if (!"function".equals(tool.path("type").asText())) {
                continue;
            }
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", tool.path("name").asText());
            if (tool.has("description")) {
                function.put("description", JinjaTemplate.plain(tool.get("description")));
            }
            if (tool.has("parameters")) {
                function.put("parameters", JinjaTemplate.plain(tool.get("parameters")));
            }
            Map<String, Object> wrapped = new LinkedHashMap<>();
            wrapped.put("type", "function");
            wrapped.put("function", function);
            mapped.add(wrapped);
        }
        return mapped;
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    private static String reasoningText(ReasoningItem reasoning) {
        StringBuilder text = new StringBuilder();
        JsonNode parts = reasoning.content() != null && reasoning.content().size() > 0 ? reasoning.content()
                : reasoning.summary();
        if (parts != null) {
            parts.forEach(part -> text.append(part.path("text").asText()));
        }
        return text.toString();
    }

    /** The arguments as vLLM passes them to templates: the JSON value ({@code {}} when empty); unparseable text as is. */
    private static Object arguments(String json) {
        if (json == null || json.isBlank()) {
            return new LinkedHashMap<String, Object>();
        }
        try {
            return JinjaTemplate.plain(ARGUMENTS.readTree(json));
        } catch (IOException e) {
            return json;
        }
    }
}
