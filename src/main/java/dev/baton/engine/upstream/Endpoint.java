package dev.baton.engine.upstream;

import dev.baton.config.Secrets;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * One upstream inference server (a vLLM replica, an Ollama host, a hosted API).
 *
 * @param name          unique, stable across Baton replicas: chains store it as their home
 * @param protocol      {@code openai-chat} or {@code openai-responses}
 * @param transport     {@code http} or {@code websocket} (the latter for {@code openai-responses} only)
 * @param baseUrl       ends with {@code /}, e.g. {@code http://vllm-0:8000/v1/}
 * @param headers       sent with every request, {@code authorization} included when a key is configured
 * @param models        the models it serves; empty: any model
 * @param upstreamModel the model name to send instead of the request's, or {@code null}
 * @param healthPath    probed relative to {@code baseUrl}
 * @param tokenizer     {@code openai-completions} only: the model's tokenizer folder (Hugging Face layout)
 * @param chatTemplate  {@code openai-completions} only: a Jinja file replacing the folder's template, or {@code null}
 * @param outputParser  {@code openai-completions} only: how the model writes reasoning and tool calls
 *                      ({@link dev.baton.engine.tokens.OutputParsers}), or {@code null} for its template's family
 */
public record Endpoint(String name, String protocol, String transport, URI baseUrl, Map<String, String> headers,
                       List<String> models, String upstreamModel, String healthPath, String tokenizer,
                       String chatTemplate, String outputParser) {

    public static final String CHAT = "openai-chat";
    public static final String RESPONSES = "openai-responses";
    public static final String COMPLETIONS = "openai-completions";
    public static final String HTTP = "http";
    public static final String WEBSOCKET = "websocket";

    /** An endpoint of a text protocol (no tokenizer). */
    public Endpoint(String name, String protocol, String transport, URI baseUrl, Map<String, String> headers,
                    List<String> models, String upstreamModel, String healthPath) {
        this(name, protocol, transport, baseUrl, headers, models, upstreamModel, healthPath, null, null, null);
    }

    public Endpoint {
        headers = Map.copyOf(headers);
        models = List.copyOf(models);
    }

    /** Never shows a header's value (an upstream key) nor the URL's user info. */
    @Override
    public String toString() {
        return "Endpoint[name=" + name + ", protocol=" + protocol + ", transport=" + transport + ", baseUrl="
                + Secrets.redact(baseUrl) + ", headers=" + Secrets.headerNames(headers) + ", models=" + models
                + ", upstreamModel=" + upstreamModel + ", healthPath=" + healthPath + ", tokenizer=" + tokenizer
                + ", chatTemplate=" + chatTemplate + ", outputParser=" + outputParser + "]";
    }

    public boolean serves(String model) {
        return models.isEmpty() || models.contains(model);
    }

    /** The model name to send upstream for a request naming {@code requested}. */
    public String modelFor(String requested) {
        return upstreamModel != null ? upstreamModel : requested;
    }

    public URI resolve(String path) {
        return baseUrl.resolve(path);
    }

    static URI normalise(String url) {
        return URI.create(url.endsWith("/") ? url : url + "/");
    }
}
