package dev.baton.engine.tokens;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/**
 * The output parsers an {@code openai-completions} endpoint can name ({@code output_parser}), with vLLM's names:
 * {@code hermes} (Qwen, Hermes: {@code <think>} and {@code <tool_call>} tags) and {@code llama3_json} (Llama 3.x:
 * a reply that is a JSON call, {@code {"name": …, "parameters": …}}); and {@code harmony} (gpt-oss: channels and
 * recipients; vLLM's {@code openai} tool and {@code openai_gptoss} reasoning parsers). An endpoint that names none gets
 * the one its chat template writes tool calls in.
 */
public final class OutputParsers {

    public static final String HERMES = "hermes";
    public static final String LLAMA3_JSON = "llama3_json";
    public static final String HARMONY = "harmony";
    public static final List<String> NAMES = List.of(HERMES, LLAMA3_JSON, HARMONY);

    private OutputParsers() {
    }

    /**
     * The parser of the template's family: harmony's channels mean gpt-oss; Llama 3's header tokens mean JSON calls;
     * everything else Hermes tags.
     */
    public static String forTemplate(String templateSource) {
        if (templateSource.contains("<tool_call>")) {
            return HERMES;
        }
        if (templateSource.contains("<|channel|>")) {
            return HARMONY;
        }
        return templateSource.contains("<|start_header_id|>") ? LLAMA3_JSON : HERMES;
    }

    /**
     * @param startsInReasoning the prompt already opened the model's reasoning block (templates that force thinking)
     * @throws IllegalArgumentException for a name not in {@link #NAMES}
     */
    public static OutputParser create(String name, ObjectMapper json, boolean startsInReasoning) {
        return switch (name) {
            case HERMES -> new HermesOutputParser(json, startsInReasoning);
            case LLAMA3_JSON -> new Llama3JsonOutputParser(json);
            case HARMONY -> new HarmonyOutputParser();
            default -> throw new IllegalArgumentException("unknown output parser " + name + " (one of " + NAMES + ")");
        };
    }
}
