package dev.baton.engine.upstream;

import dev.baton.config.Secrets;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.baton.engine.tokens.OutputParsers;
import java.io.IOException;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Reads the {@code BATON_UPSTREAMS} file: YAML or JSON (JSON is YAML), an {@code endpoints} list.
 * Every mistake stops Baton at start with the file, the endpoint and the field in the message.
 *
 * <pre>
 * endpoints:
 *   - name: vllm-0
 *     url: http://vllm-0:8000/v1
 *     protocol: openai-chat          # or openai-responses
 *     transport: http                # openai-responses: http | websocket
 *     api_key_env: VLLM_KEY          # or api_key: sk-...
 *     headers: {x-tenant: agents}
 *     models: [Qwen/Qwen3-8B]        # none: any model
 *     upstream_model: Qwen/Qwen3-8B  # optional rename
 *     health_path: models            # relative to url
 * </pre>
 */
final class EndpointsFile {

    private EndpointsFile() {
    }

    static List<Endpoint> load(Path file, String defaultHealthPath, UnaryOperator<String> environment) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw invalid(file, "cannot be read: " + e.getMessage());
        }
        JsonNode list = root == null ? null : root.get("endpoints");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw invalid(file, "needs a non-empty 'endpoints' list");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            Endpoint endpoint = endpoint(file, i, list.get(i), defaultHealthPath, environment);
            if (!names.add(endpoint.name())) {
                throw invalid(file, "names endpoint '" + endpoint.name() + "' twice");
            }
            endpoints.add(endpoint);
        }
        return List.copyOf(endpoints);
    }

    private static Endpoint endpoint(Path file, int index, JsonNode node, String defaultHealthPath,
                                     UnaryOperator<String> environment) {
        String given = text(node, "name");
        String where = "endpoints[" + index + "]" + (given == null ? "" : " (name: " + given + ")");
        String url = text(node, "url");
        if (url == null) {
            throw invalid(file, where + " needs a 'url'");
        }
        URI base;
        try {
            base = Endpoint.normalise(url);
        } catch (IllegalArgumentException e) {
            throw invalid(file, where + " field url is not a URL: " + Secrets.redact(url));
        }
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
            throw invalid(file, where + " field url must be http:// or https://: " + Secrets.redact(url));
        }
        int port = base.getPort() != -1 ? base.getPort() : "https".equals(base.getScheme()) ? 443 : 80;
        String name = orElse(given, base.getHost() + ":" + port);
        String protocol = orElse(text(node, "protocol"), Endpoint.CHAT);
        if (!protocol.equals(Endpoint.CHAT) && !protocol.equals(Endpoint.RESPONSES) && !protocol.equals(Endpoint.COMPLETIONS)) {
            throw invalid(file, where + " field protocol must be openai-chat, openai-responses or openai-completions, not "
                    + protocol);
        }
        String tokenizer = text(node, "tokenizer");
        if (protocol.equals(Endpoint.COMPLETIONS) && tokenizer == null) {
            throw invalid(file, where + " speaks openai-completions and needs a 'tokenizer' folder (tokenizer.json and "
                    + "tokenizer_config.json of its model)");
        }
        String outputParser = text(node, "output_parser");
        if (outputParser != null && !OutputParsers.NAMES.contains(outputParser)) {
            throw invalid(file, where + " field output_parser must be one of " + String.join(", ", OutputParsers.NAMES)
                    + ", not " + outputParser);
        }
        String transport = orElse(text(node, "transport"), Endpoint.HTTP);
        if (!transport.equals(Endpoint.HTTP) && !(transport.equals(Endpoint.WEBSOCKET) && protocol.equals(Endpoint.RESPONSES))) {
            throw invalid(file, where + " field transport must be http, or websocket with openai-responses");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        node.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey().toLowerCase(), h.getValue().asText()));
        String key = text(node, "api_key");
        String keyVariable = text(node, "api_key_env");
        if (keyVariable != null) {
            key = environment.apply(keyVariable);
            if (key == null) {
                throw invalid(file, where + " field api_key_env names " + keyVariable + ", which is not set");
            }
        }
        if (key != null && !key.isBlank()) {
            headers.put("authorization", "Bearer " + key);
        }
        List<String> models = new ArrayList<>();
        node.path("models").forEach(m -> models.add(m.asText()));
        return new Endpoint(name, protocol, transport, base, headers, models, text(node, "upstream_model"),
                orElse(text(node, "health_path"), defaultHealthPath), tokenizer, text(node, "chat_template"), outputParser);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String orElse(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static IllegalStateException invalid(Path file, String problem) {
        return new IllegalStateException("BATON_UPSTREAMS file " + file + " " + problem + " (see docs/engines.md)");
    }
}
