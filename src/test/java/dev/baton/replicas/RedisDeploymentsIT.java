package dev.baton.replicas;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis as users run it, against the built jar: an ACL user with a password in {@code BATON_REDIS_URL}, TLS
 * ({@code rediss://}, the server's certificate checked against a CA file), and a master found through a real Redis
 * Sentinel with the Quarkus Redis client's own settings
 * ({@code QUARKUS_REDIS_CLIENT_TYPE=sentinel}, {@code QUARKUS_REDIS_MASTER_NAME}). Each stores a chain and
 * continues it from Redis.
 */
class RedisDeploymentsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    private Process spawn(List<String> command, Map<String, String> env) throws IOException {
        Path log = Files.createTempFile("baton-redis-it", ".log");
        log.toFile().deleteOnExit();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    private String redisCli(int port, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        cli.waitFor(10, TimeUnit.SECONDS);
        return out.trim();
    }

    /** Starts the jar with {@code env}; returns its base URL once it answers. */
    private String baton(Map<String, String> env) throws Exception {
        int port = Cluster.freePort();
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        all.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        spawn(List.of("java", "-jar", System.getProperty("baton.jar", "target/quarkus-app/quarkus-run.jar")), all);
        String base = "http://127.0.0.1:" + port;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                return ready.statusCode() == 200 && ready.body().replace(" ", "").contains("\"redis\":\"up\"");
            } catch (IOException e) {
                return false;
            }
        });
        return base;
    }

    private static JsonNode turn(String base, String input, String previous) throws Exception {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("model", "baton-simulator", "input", input));
        if (previous != null) {
            body.put("previous_response_id", previous);
        }
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/responses"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private void awaitRedis(int port, String... auth) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<String> args = new ArrayList<>(List.of(auth));
            args.add("ping");
            return redisCli(port, args.toArray(String[]::new)).contains("PONG");
        });
    }

    /** A chain of two turns; then a second Baton, which never saw it, continues it from Redis. */
    private void chainSurvivesInRedis(Map<String, String> env, int redisPort, String... auth) throws Exception {
        String first = baton(env);
        JsonNode one = turn(first, "remember the number 42", null);
        JsonNode two = turn(first, "and double it", one.path("id").asText());
        List<String> scan = new ArrayList<>(List.of(auth));
        scan.addAll(List.of("--scan", "--pattern", "baton:*"));
        assertTrue(redisCli(redisPort, scan.toArray(String[]::new)).lines().count() >= 2, "records in Redis");
        String second = baton(env);
        JsonNode three = turn(second, "and once more", two.path("id").asText());
        assertTrue(three.at("/output/0/content/0/text").asText().startsWith("Simulated reply #3"), three.toString());
    }

    @Test
    void anAclUserWithItsPasswordInTheUrl() throws Exception {
        int port = Cluster.freePort();
        spawn(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--user", "default", "off", "--user", "baton", "on", ">s3cret", "~baton:*", "&baton:*",
                "+@all"), Map.of());
        awaitRedis(port, "--user", "baton", "--pass", "s3cret", "--no-auth-warning");
        chainSurvivesInRedis(Map.of("BATON_REDIS_URL", "redis://baton:s3cret@127.0.0.1:" + port), port,
                "--user", "baton", "--pass", "s3cret", "--no-auth-warning");
    }

    @Test
    void tlsWithTheServersCertificateCheckedAgainstItsCa() throws Exception {
        Path dir = Files.createTempDirectory("redis-tls");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(),
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1").redirectErrorStream(true).start();
        openssl.getInputStream().readAllBytes();
        assertEquals(0, openssl.waitFor());
        int port = Cluster.freePort();
        String cert = dir.resolve("cert.pem").toString();
        spawn(List.of("redis-server", "--port", "0", "--tls-port", Integer.toString(port), "--bind", "127.0.0.1",
                "--tls-cert-file", cert, "--tls-key-file", dir.resolve("key.pem").toString(), "--tls-ca-cert-file", cert,
                "--tls-auth-clients", "no", "--save", "", "--appendonly", "no"), Map.of());
        awaitRedis(port, "--tls", "--cacert", cert);
        chainSurvivesInRedis(Map.of("BATON_REDIS_URL", "rediss://127.0.0.1:" + port,
                "QUARKUS_REDIS_TLS_CONFIGURATION_NAME", "redis", "QUARKUS_TLS_REDIS_TRUST_STORE_PEM_CERTS", cert), port,
                "--tls", "--cacert", cert);
    }

    @Test
    void aMasterFoundThroughRedisSentinel() throws Exception {
        int master = Cluster.freePort();
        spawn(List.of("redis-server", "--port", Integer.toString(master), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no"), Map.of());
        awaitRedis(master);
        int sentinel = Cluster.freePort();
        Path config = Files.createTempFile("sentinel", ".conf");
        config.toFile().deleteOnExit();
        Files.writeString(config, "port " + sentinel + "\nbind 127.0.0.1\nsentinel monitor baton 127.0.0.1 " + master + " 1\n");
        String binary = new java.io.File("/usr/bin/redis-sentinel").canExecute() ? "redis-sentinel" : "redis-server";
        spawn(binary.equals("redis-sentinel") ? List.of(binary, config.toString())
                : List.of(binary, config.toString(), "--sentinel"), Map.of());
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() ->
                redisCli(sentinel, "sentinel", "get-master-addr-by-name", "baton").contains(Integer.toString(master)));
        chainSurvivesInRedis(Map.of("BATON_REDIS_URL", "redis://127.0.0.1:" + sentinel,
                "QUARKUS_REDIS_CLIENT_TYPE", "sentinel", "QUARKUS_REDIS_MASTER_NAME", "baton"), master);
    }
}
