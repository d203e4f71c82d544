package dev.baton.http;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.support.ControlChain;
import dev.baton.support.Fuzz;
import dev.baton.support.ServerWarnings;
import dev.baton.support.Sse;
import io.quarkus.test.common.http.TestHTTPResource;
import dev.baton.support.WithRedis;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzzer over HTTP ({@link Fuzz}): raw bodies to {@code POST /v1/responses} (invalid UTF-8 and binary
 * included), sequentially and many at once, plus hostile paths, methods and ids. No answer is a 5xx, every error is the
 * OpenAI envelope, every SSE stream ends with one terminal event, and a control chain made before continues afterwards
 * with the same context fingerprint. {@code -Dfuzz.inputs=N} for the long run (docs/reliability.md).
 */
@QuarkusTest
@TestProfile(WithRedis.class) // the control chain is durable: a long run may evict it from the hot cache, never corrupt it
class HttpFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONCURRENCY = 32;

    @TestHTTPResource("/")
    URL root;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ControlChain control;

    @BeforeEach
    void controlChain() {
        ServerWarnings.watch();
        control = ControlChain.start();
    }

    @AfterEach
    void controlChainUnchangedAndProcessHealthy() {
        control.assertUnchangedAndHealthy();
    }

    private HttpRequest post(byte[] body) {
        return HttpRequest.newBuilder(URI.create(root + "v1/responses")).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    @Test
    void everyBodyGetsAnAnswerAndNoneIsA5xx() throws Exception {
        Fuzz fuzz = new Fuzz(Fuzz.seed(), false);
        int inputs = Fuzz.inputs(2_000);
        Map<String, Integer> statuses = new TreeMap<>();
        List<String> completed = new ArrayList<>();
        for (int i = 0; i < inputs; i++) {
            Fuzz.Input input = fuzz.next(completed.isEmpty() ? "resp_none" : completed.get(i % completed.size()));
            HttpResponse<byte[]> response = client.send(post(input.bytes()), HttpResponse.BodyHandlers.ofByteArray());
            String completedId = check(input, response, i);
            if (completedId != null) {
                completed.add(completedId);
            }
            statuses.merge(input.kind() + " " + response.statusCode(), 1, Integer::sum);
        }
        System.out.printf("http fuzz (seed %d): %d bodies one at a time, %s%n", Fuzz.seed(), inputs, statuses);
    }

    @Test
    void manyBodiesAtOnceEachGetTheirOwnAnswer() {
        Fuzz fuzz = new Fuzz(Fuzz.seed() + 1, false);
        int inputs = Fuzz.inputs(2_000);
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        List<String> completed = new CopyOnWriteArrayList<>();
        for (int sent = 0; sent < inputs; ) {
            int batch = Math.min(CONCURRENCY, inputs - sent);
            List<CompletableFuture<Void>> answers = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                int index = sent + b;
                Fuzz.Input input = fuzz.next(completed.isEmpty() ? "resp_none" : completed.get(index % completed.size()));
                answers.add(client.sendAsync(post(input.bytes()), HttpResponse.BodyHandlers.ofByteArray()).thenAccept(r -> {
                    String id = check(input, r, index);
                    if (id != null) {
                        completed.add(id);
                    }
                    statuses.merge(r.statusCode(), 1, Integer::sum);
                }));
            }
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();
            sent += batch;
        }
        assertEquals(inputs, statuses.values().stream().mapToInt(Integer::intValue).sum());
        System.out.printf("http fuzz (seed %d): %d bodies %d at once, statuses %s%n", Fuzz.seed() + 1, inputs,
                CONCURRENCY, new TreeMap<>(statuses));
    }

    @Test
    void hostilePathsMethodsAndIdsAnswerInTheEnvelope() throws Exception {
        String[] paths = {"v1/responses/%00", "v1/responses/resp_" + "a".repeat(5_000), "v1/responses/..%2f..%2fetc",
                "v1/responses/resp_x/input_items?limit=abc", "v1/responses/resp_x/input_items?limit=-1&order=sideways",
                "v1/responses/%F0%9F%98%80", "v1/responses/resp_%ED%A0%80", "v1/nothing", "v1/responses/a/b/c/d",
                "v1/responses/resp_x?stream=%25ZZ", "v1/responses/resp_x?stream=true&starting_after=-5"};
        String[] methods = {"GET", "DELETE", "PUT", "PATCH", "POST"};
        for (String path : paths) {
            for (String method : methods) {
                HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(root + path))
                        .method(method, HttpRequest.BodyPublishers.ofString("{}")).header("content-type", "application/json")
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertTrue(response.statusCode() < 500, method + " " + path + " → " + response.statusCode());
                if (response.statusCode() >= 400) {
                    assertEnvelope(method + " " + path, response.body());
                }
            }
        }
    }

    /** Checks one answer; the id of a completed stored response, else {@code null}. */
    private static String check(Fuzz.Input input, HttpResponse<byte[]> response, int index) {
        String what = "input " + index + " (" + input.kind() + ", seed " + Fuzz.seed() + "): " + input.shortened();
        int status = response.statusCode();
        assertTrue(status < 500, what + " → " + status + " " + new String(response.body(), StandardCharsets.UTF_8)
                + ServerWarnings.recent());
        if (status >= 400) {
            JsonNode error = assertEnvelope(what, response.body());
            if (input.expectedCode() != null) {
                assertEquals(input.expectedCode(), error.path("code").asText(), what);
            }
            return null;
        }
        assertEquals(200, status, what);
        String contentType = response.headers().firstValue("content-type").orElse("");
        if (contentType.startsWith("text/event-stream")) {
            List<Sse.Event> events = Sse.parse(new String(response.body(), StandardCharsets.UTF_8));
            String last = events.get(events.size() - 1).type();
            assertTrue(last.equals("response.completed") || last.equals("response.incomplete")
                    || last.equals("response.failed") || last.equals("error"), what + " ended with " + last);
            assertEquals(1, events.stream().filter(e -> e.type().equals(last)).count(), what + ": one terminal event");
            return null;
        }
        try {
            JsonNode body = JSON.readTree(response.body());
            assertEquals("response", body.path("object").asText(), what);
            return body.path("status").asText().equals("completed") && body.path("store").asBoolean(true)
                    ? body.path("id").asText() : null;
        } catch (java.io.IOException e) {
            throw new AssertionError(what + ": a 200 that is not JSON", e);
        }
    }

    private static JsonNode assertEnvelope(String what, byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new AssertionError(what + ": an error that is not JSON: " + new String(body, StandardCharsets.UTF_8), e);
        }
        JsonNode error = root.path("error");
        assertTrue(error.path("message").asText().length() > 5, what + ": " + root);
        assertTrue(error.path("type").asText().length() > 3, what + ": " + root);
        assertTrue(error.has("code") && error.has("param"), what + ": " + root);
        return error;
    }
}
