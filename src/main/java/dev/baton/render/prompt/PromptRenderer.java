package dev.baton.render.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.protocol.Item;
import dev.baton.render.hf.HfTokenizer;
import dev.baton.render.jinja.JinjaTemplate;
import dev.baton.render.jinja.TemplateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's own prompt format, from a tokenizer folder in the Hugging Face layout ({@code tokenizer.json},
 * {@code tokenizer_config.json} with its {@code chat_template} and special tokens), optionally with the
 * template replaced by a file: renders a conversation as the model expects it and tokenizes it into the
 * ids a token-in engine takes. Everything is read and checked when it is loaded; a missing or unreadable
 * file fails with its path named.
 */
public final class PromptRenderer {

    private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "pad_token");

    private final JinjaTemplate template;
    private final String templateSource;
    private final HfTokenizer tokenizer;
    private final Map<String, Object> specialTokens;

    private PromptRenderer(JinjaTemplate template, String templateSource, HfTokenizer tokenizer,
                           Map<String, Object> specialTokens) {
        this.template = template;
        this.templateSource = templateSource;
        this.tokenizer = tokenizer;
        this.specialTokens = specialTokens;
    }

    /**
     * @param folder       the model's tokenizer folder
     * @param chatTemplate a Jinja file that replaces the folder's template, or {@code null}
     * @throws IllegalArgumentException naming the file that is missing, unreadable or not understood
     */
    public static PromptRenderer load(Path folder, Path chatTemplate, ObjectMapper json) {
        Path config = folder.resolve("tokenizer_config.json");
        Path tokenizerFile = folder.resolve("tokenizer.json");
        for (Path required : List.of(tokenizerFile, config)) {
            if (!Files.isRegularFile(required)) {
                throw new IllegalArgumentException(required + ": no such file (a tokenizer folder holds tokenizer.json "
                        + "and tokenizer_config.json, as published with the model)");
            }
        }
        JsonNode settings;
        try {
            settings = json.readTree(config.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(config + ": not JSON (" + e.getMessage() + ")", e);
        }
        String source;
        Path templateFile = chatTemplate != null ? chatTemplate : config;
        if (chatTemplate != null) {
            try {
                source = Files.readString(chatTemplate);
            } catch (IOException e) {
                throw new IllegalArgumentException(chatTemplate + ": cannot read the chat template (" + e.getMessage() + ")", e);
            }
        } else {
            JsonNode text = settings.path("chat_template");
            if (!text.isTextual()) {
                throw new IllegalArgumentException(config + ": no chat_template string (name a template file with chat_template)");
            }
            source = text.asText();
        }
        JinjaTemplate template;
        try {
            template = JinjaTemplate.parse(source);
        } catch (TemplateException e) {
            throw new IllegalArgumentException(templateFile + ": the chat template does not parse: " + e.getMessage(), e);
        }
        Map<String, Object> special = new HashMap<>();
        for (String name : SPECIAL_TOKENS) {
            JsonNode token = settings.get(name);
            if (token != null && token.isTextual()) {
                special.put(name, token.asText());
            } else if (token != null && token.isObject()) {
                special.put(name, token.path("content").asText());
            }
        }
        return new PromptRenderer(template, source, HfTokenizer.load(tokenizerFile, json), special);
    }

    /** The conversation as the model's template writes it, ready for the assistant's turn. */
    public String render(String instructions, List<Item> items, List<JsonNode> tools) {
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", TemplateMessages.messages(instructions, items));
        List<Object> functions = TemplateMessages.tools(tools);
        if (!functions.isEmpty()) {
            context.put("tools", functions);
        }
        context.put("add_generation_prompt", true);
        return template.render(context);
    }

    /** The token ids of the rendered conversation: the prompt a token-in engine receives. */
    public int[] tokens(String instructions, List<Item> items, List<JsonNode> tools) {
        return tokenizer.encode(render(instructions, items, tools));
    }

    /** The chat template's Jinja source. */
    public String templateSource() {
        return templateSource;
    }

    public HfTokenizer tokenizer() {
        return tokenizer;
    }
}
