package dev.baton.safety;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code type: openai-moderations}: any OpenAI-compatible moderations endpoint. One call per turn, with only
 * the new text — each new text part one entry of {@code input} (with {@code scope: window}, one entry: the
 * window and the new text together). An entry's result with {@code flagged: true} is a finding over that
 * entry, labelled with its first flagged category. A failed call, a non-2xx answer or a deadline passed fails
 * the scan (the stage applies {@code on_error}).
 */
final class ModerationsClassifier implements Classifier {

    private final HttpClient client;
    private final ObjectMapper json;
    private final URI url;
    private final String model;
    private final Map<String, String> headers;
    private final Duration timeout;

    ModerationsClassifier(Vertx vertx, ObjectMapper json, URI baseUrl, String model, Map<String, String> headers,
                          Duration timeout) {
        this.client = vertx.createHttpClient();
        this.json = json;
        this.url = baseUrl.resolve("moderations");
        this.model = model;
        this.headers = Map.copyOf(headers);
        this.timeout = timeout;
    }

    @Override
    public Uni<List<Finding>> scan(ScanText scan) {
        List<int[]> ranges = new ArrayList<>();
        ObjectNode body = json.createObjectNode();
        if (model != null) {
            body.put("model", model);
        }
        ArrayNode input = body.putArray("input");
        if (scan.window() > 0) {
            input.add(scan.text());
            ranges.add(new int[] {0, scan.text().length()});
        } else {
            for (ScanText.Segment segment : scan.segments()) {
                input.add(scan.text().substring(segment.start(), segment.end()));
                ranges.add(new int[] {segment.start(), segment.end()});
            }
        }
        if (ranges.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .setTimeout(timeout.toMillis()).putHeader("content-type", "application/json");
        headers.forEach(options::putHeader);
        return Uni.createFrom().completionStage(() -> client.request(options)
                        .compose(request -> request.send(Buffer.buffer(body.toString())))
                        .compose(response -> response.body().map(answer -> {
                            if (response.statusCode() / 100 != 2) {
                                throw new IllegalStateException("the moderations endpoint answered " + response.statusCode());
                            }
                            return answer;
                        }))
                        .toCompletionStage())
                .map(answer -> findings(answer, ranges));
    }

    private List<Finding> findings(Buffer answer, List<int[]> ranges) {
        JsonNode results;
        try {
            results = json.readTree(answer.getBytes()).path("results");
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the moderations endpoint answered no JSON", e);
        }
        if (!results.isArray() || results.size() != ranges.size()) {
            throw new IllegalStateException("the moderations endpoint answered " + results.size() + " results for "
                    + ranges.size() + " inputs");
        }
        List<Finding> findings = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            JsonNode result = results.get(i);
            if (result.path("flagged").asBoolean(false)) {
                findings.add(new Finding(ranges.get(i)[0], ranges.get(i)[1], firstCategory(result.path("categories"))));
            }
        }
        return findings;
    }

    private static String firstCategory(JsonNode categories) {
        for (Iterator<Map.Entry<String, JsonNode>> it = categories.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> category = it.next();
            if (category.getValue().asBoolean(false)) {
                return category.getKey();
            }
        }
        return "flagged";
    }
}
