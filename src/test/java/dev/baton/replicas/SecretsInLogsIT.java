package dev.baton.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.engine.FakeChatServer;
import dev.baton.support.WsClient;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keys never leak: a replica with client keys and an upstream key, logging at DEBUG, is driven through every path that
 * logs or answers an error (a wrong key, upstream 400/503, a stream cut or malformed mid-way, over HTTP, SSE and
 * WebSocket); no answer echoes a key, and neither its log nor any other replica log of the run holds one.
 */
class SecretsInLogsIT {

    private static final String CLIENT_KEY = "sk-client-7f3a9c1e";
    private static final String WRONG_KEY = "sk-wrong-0c4d5e6f";
    private static final String UPSTREAM_KEY = "sk-upstream"; // what FakeChatServer demands
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<String> answers = new ArrayList<>();

    private int post(URL base, String key, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/responses"))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        answers.add(response.headers().map() + response.body());
        return response.statusCode();
    }

    @Test
    void noKeyIsEverLoggedOrEchoed() throws Exception {
        FakeChatServer engine = new FakeChatServer();
        Map<String, String> env = new HashMap<>();
        engine.start().forEach((key, value) -> env.put(key.toUpperCase(Locale.ROOT).replaceAll("[.-]", "_"), value));
        assertEquals(UPSTREAM_KEY, env.get("BATON_UPSTREAM_API_KEY"));
        env.putAll(Map.of("BATON_API_KEYS", CLIENT_KEY + "=acme", "QUARKUS_LOG_CATEGORY__DEV_BATON__LEVEL", "DEBUG",
                "BATON_UPSTREAM_RETRIES", "0"));
        try (Cluster cluster = Cluster.start(1, env)) {
            URL base = cluster.replicas().get(0).url();
            assertEquals(401, post(base, WRONG_KEY, "{\"model\":\"fake-model\",\"input\":\"hi\"}"));
            assertEquals(401, post(base, CLIENT_KEY + "x", "{\"model\":\"fake-model\",\"input\":\"hi\"}"));
            assertEquals(200, post(base, CLIENT_KEY, "{\"model\":\"fake-model\",\"input\":\"hi\"}"));
            for (String mode : List.of("[bad-request]", "[overloaded]", "[disconnect]", "[malformed]")) {
                post(base, CLIENT_KEY, "{\"model\":\"fake-model\",\"input\":\"" + mode + "\"}");
                post(base, CLIENT_KEY, "{\"model\":\"fake-model\",\"stream\":true,\"input\":\"" + mode + "\"}");
            }
            post(base, CLIENT_KEY, "{\"model\":\"unknown-model\",\"input\":\"hi\"}");
            post(base, CLIENT_KEY, "{not json");
            try (WsClient ws = WsClient.connect(base, Map.of("Authorization", "Bearer " + CLIENT_KEY))) {
                for (String mode : List.of("hello", "[bad-request]", "[disconnect]", "[overloaded]")) {
                    ws.send(Map.of("type", "response.create", "model", "fake-model", "input", mode));
                    ws.untilTerminal().forEach(frame -> answers.add(frame.toString()));
                }
            }
            try {
                WsClient.connect(base, Map.of("Authorization", "Bearer " + WRONG_KEY)).close();
            } catch (RuntimeException refused) {
                answers.add(String.valueOf(refused));
            }
        } finally {
            engine.stop();
        }
        for (String answer : answers) {
            for (String secret : List.of(CLIENT_KEY, WRONG_KEY, UPSTREAM_KEY)) {
                assertFalse(answer.contains(secret), "an answer holds " + secret + ": " + answer);
            }
        }
        List<Path> logs;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            logs = files.filter(file -> file.getFileName().toString().matches("replica-.*\\.log")).toList();
        }
        assertTrue(logs.contains(Path.of("target/replica-r1.log")), logs.toString());
        long lines = 0;
        for (Path log : logs) {
            List<String> content = readLines(log);
            lines += content.size();
            for (String line : content) {
                for (String secret : List.of(CLIENT_KEY, WRONG_KEY, UPSTREAM_KEY)) {
                    assertFalse(line.contains(secret), log + " holds " + secret + ": " + line);
                }
            }
        }
        System.out.printf("secrets: %d answers and %d log lines of %d replica logs hold no key%n", answers.size(), lines,
                logs.size());
    }

    private static List<String> readLines(Path log) throws IOException {
        return List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n"));
    }
}
