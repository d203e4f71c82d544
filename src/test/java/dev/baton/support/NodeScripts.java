package dev.baton.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the Node.js end-to-end scripts of {@code src/test/node} (the official OpenAI Node SDK and Agents SDK), installing
 * their npm dependencies on first use. Without Node.js a test using it is skipped, unless {@code BATON_REQUIRE_NODE=1}
 * (as in CI) makes it mandatory.
 */
public final class NodeScripts {

    private static final Path DIRECTORY = Path.of("src/test/node");

    private NodeScripts() {
    }

    public record Result(int exitCode, String output) {
    }

    /**
     * Runs {@code node script args…} to its end and asserts it exited 0 and printed {@code passed}; returns its output.
     */
    public static String runPassing(String script, String passed, String... args) throws Exception {
        return runPassing(script, passed, Duration.ofSeconds(120), args);
    }

    /** As {@link #runPassing(String, String, String...)}, for a script that may run up to {@code timeout}. */
    public static String runPassing(String script, String passed, Duration timeout, String... args) throws Exception {
        boolean hasNode = run(List.of("node", "--version"), 30).exitCode() == 0;
        if (!"1".equals(System.getenv("BATON_REQUIRE_NODE"))) {
            Assumptions.assumeTrue(hasNode, "Node.js is not installed: skipping " + script);
        }
        assertTrue(hasNode, "BATON_REQUIRE_NODE=1 but Node.js is not installed");
        if (!Files.isDirectory(DIRECTORY.resolve("node_modules/openai"))
                || !Files.isDirectory(DIRECTORY.resolve("node_modules/@openai/agents"))
                || !Files.isDirectory(DIRECTORY.resolve("node_modules/ws"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
            assertEquals(0, install.exitCode(), "npm ci failed:\n" + install.output());
        }
        List<String> command = new java.util.ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        Result result = run(command, Math.toIntExact(timeout.toSeconds()));
        System.out.println(result.output());
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains(passed), result.output());
        return result.output();
    }

    private static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        File log = File.createTempFile("baton-node", ".log");
        try {
            Process process = new ProcessBuilder(command).directory(DIRECTORY.toFile())
                    .redirectErrorStream(true).redirectOutput(log).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, command + " timed out after " + timeoutSeconds + " s:\n" + Files.readString(log.toPath()));
            }
            return new Result(process.exitValue(), Files.readString(log.toPath(), StandardCharsets.UTF_8));
        } catch (IOException notFound) {
            return new Result(-1, notFound.getMessage());
        } finally {
            log.delete();
        }
    }
}
