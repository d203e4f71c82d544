package dev.baton.replicas;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A configuration mistake stops the built jar at start with a message that names the setting (or the
 * file, endpoint and field): Kubernetes shows a crash with a reason, not a pod that never gets ready.
 */
class StartupFailuresIT {

    private record Exit(int code, String output) {
    }

    private static Exit start(Map<String, String> env) throws Exception {
        String jar = System.getProperty("baton.jar", "target/quarkus-app/quarkus-run.jar");
        Path log = Files.createTempFile("baton-start", ".log");
        ProcessBuilder builder = new ProcessBuilder("java", "-jar", jar).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(Cluster.freePort()));
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        Process process = builder.start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("Baton kept running with a broken configuration: " + Files.readString(log));
            }
            return new Exit(process.exitValue(), Files.readString(log));
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void anInvalidSettingStopsTheStartNamingEveryMistake() throws Exception {
        Exit exit = start(Map.of("BATON_REDIS_CHECKPOINT_EVERY", "0", "BATON_REDIS_DURABILITY", "eventually"));
        assertNotEquals(0, exit.code());
        assertTrue(exit.output().contains("BATON_REDIS_CHECKPOINT_EVERY (baton.redis.checkpoint-every)=0: must be at least 1"),
                exit.output());
        assertTrue(exit.output().contains("BATON_REDIS_DURABILITY (baton.redis.durability)='eventually': must be one of async, sync"),
                exit.output());
    }

    @Test
    void aMalformedRedisUrlStopsTheStartWithoutPrintingItsPassword() throws Exception {
        for (String url : List.of("http://baton:hunter2-redis-secret@redis.internal:6379/0",
                "baton:hunter2-redis-secret@redis.internal:6379", "redis:/baton:hunter2-redis-secret@redis.internal:6379",
                "redis://baton:hunter2-redis-secret@redis.internal:port")) {
            Exit exit = start(Map.of("BATON_REDIS_URL", url));
            assertNotEquals(0, exit.code(), url);
            assertFalse(exit.output().contains("hunter2-redis-secret"), "the password is never printed:\n" + exit.output());
        }
    }

    @Test
    void aMistakeInTheUpstreamsFileStopsTheStartNamingFileEndpointAndField() throws Exception {
        Path file = Files.createTempFile("upstreams", ".yaml");
        try {
            Files.writeString(file, """
                    endpoints:
                      - name: vllm-0
                        url: http://127.0.0.1:9/v1
                        protocol: bogus
                    """);
            Exit exit = start(Map.of("BATON_UPSTREAMS", file.toString()));
            assertNotEquals(0, exit.code());
            assertTrue(exit.output().contains("BATON_UPSTREAMS file " + file
                    + " endpoints[0] (name: vllm-0) field protocol must be openai-chat, openai-responses or "
                    + "openai-completions, not bogus"), exit.output());
        } finally {
            deleteQuietly(file);
        }
    }

    @Test
    void aTokenInEndpointWithoutItsTokenizerFilesStopsTheStartNamingEndpointAndFile() throws Exception {
        Path file = Files.createTempFile("upstreams", ".yaml");
        Path folder = Files.createTempDirectory("no-tokenizer");
        try {
            Files.writeString(file, """
                    endpoints:
                      - name: vllm-qwen
                        url: http://127.0.0.1:9/v1
                        protocol: openai-completions
                        tokenizer: %s
                    """.formatted(folder));
            Exit exit = start(Map.of("BATON_UPSTREAMS", file.toString()));
            assertNotEquals(0, exit.code());
            assertTrue(exit.output().contains("Upstream endpoint vllm-qwen: " + folder.resolve("tokenizer.json")
                    + ": no such file"), exit.output());
        } finally {
            deleteQuietly(file);
            deleteQuietly(folder);
        }
    }

    @Test
    void aMistakeInTheSafetyFileStopsTheStartNamingFileClassifierAndField() throws Exception {
        Path file = Files.createTempFile("safety", ".yaml");
        try {
            Files.writeString(file, """
                    classifiers:
                      - {name: pii, type: pii, action: drop}
                    """);
            Exit exit = start(Map.of("BATON_SAFETY", file.toString()));
            assertNotEquals(0, exit.code());
            assertTrue(exit.output().contains("BATON_SAFETY file " + file
                    + ": classifiers[0] (name: pii) field action must be block, redact, flag, not 'drop'"), exit.output());
        } finally {
            deleteQuietly(file);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temp file
        }
    }
}
