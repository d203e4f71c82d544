package dev.baton.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Node SDK ({@code openai@7.57.0}, {@code ResponsesWS}) against Baton's WebSocket
 * mode: runs {@code src/test/node/responses-ws.mjs}, installing its npm dependencies on first use.
 * Without Node.js the test is skipped, unless {@code BATON_REQUIRE_NODE=1} (as in CI) makes it mandatory.
 */
@QuarkusTest
class OpenAiNodeSdkWebSocketTest {

    private static final Path SCRIPT_DIR = Path.of("src/test/node");

    @TestHTTPResource("/v1")
    URL baseUrl;

    @Test
    void theNodeSdkChainsRunsLanesAndReadsErrors() throws Exception {
        boolean hasNode = run(List.of("node", "--version"), 30).exitCode == 0;
        if (!"1".equals(System.getenv("BATON_REQUIRE_NODE"))) {
            Assumptions.assumeTrue(hasNode, "Node.js is not installed: skipping the Node SDK end-to-end test");
        }
        assertTrue(hasNode, "BATON_REQUIRE_NODE=1 but Node.js is not installed");
        if (!Files.isDirectory(SCRIPT_DIR.resolve("node_modules/openai"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
            assertEquals(0, install.exitCode, "npm ci failed:\n" + install.output);
        }
        Result result = run(List.of("node", "responses-ws.mjs", baseUrl.toString()), 120);
        System.out.println(result.output);
        assertEquals(0, result.exitCode, result.output);
        assertTrue(result.output.contains("node-sdk: all checks passed"), result.output);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        File log = File.createTempFile("baton-node", ".log");
        try {
            Process process = new ProcessBuilder(command).directory(SCRIPT_DIR.toFile())
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
