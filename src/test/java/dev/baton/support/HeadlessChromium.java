package dev.baton.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Chromium, headless, driven over the Chrome DevTools Protocol (a WebSocket the browser opens on loopback):
 * navigate, type and click as a user would, wait on a page condition with a deadline, take screenshots. What the
 * page's scripts threw or logged as errors is collected, so a test can fail on a broken page, not only on a wrong one.
 * Chromium is installed by src/test/setup/ensure-test-tools.sh; where it is missing the test is skipped, unless
 * {@code BATON_REQUIRE_CHROMIUM=1} (CI), where it fails.
 */
public final class HeadlessChromium implements AutoCloseable {

    public static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path BINARY = Path.of(System.getenv().getOrDefault("BATON_CHROMIUM", "/usr/bin/chromium"));

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    private final List<String> pageErrors = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** Starts a browser with an empty profile and one blank page; skips the test where Chromium is not installed. */
    public static HeadlessChromium start() {
        if (!Files.isExecutable(BINARY)) {
            if ("1".equals(System.getenv("BATON_REQUIRE_CHROMIUM"))) {
                throw new IllegalStateException(BINARY + " is missing (apt-get install chromium)");
            }
            Assumptions.abort(BINARY + " is not installed (apt-get install chromium)");
        }
        try {
            Path profile = Files.createTempDirectory("baton-chromium");
            Process process = new ProcessBuilder(BINARY.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--disable-extensions",
                    "--hide-scrollbars", "--mute-audio", "--window-size=1280,1000", "--remote-debugging-address=127.0.0.1",
                    "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank")
                    .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
            int port = devToolsPort(profile, process);
            String pageSocket = pageSocket(port);
            HeadlessChromium[] self = new HeadlessChromium[1];
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create(pageSocket), new Listener(message -> self[0].onMessage(message)))
                    .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(process, profile, socket);
            self[0].call("Page.enable", Map.of());
            self[0].call("Runtime.enable", Map.of());
            return self[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start Chromium: " + e, e);
        }
    }

    private static int devToolsPort(Path profile, Process process) throws IOException, InterruptedException {
        Path file = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (!lines.isEmpty() && !lines.get(0).isBlank()) {
                    return Integer.parseInt(lines.get(0).strip());
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("Chromium exited: " + Files.readString(profile.resolve("chromium.log")));
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("Chromium did not open its DevTools port within " + DEADLINE);
    }

    private static String pageSocket(int port) throws IOException, InterruptedException {
        HttpResponse<String> list = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode target : JSON.readTree(list.body())) {
            if ("page".equals(target.path("type").asText())) {
                return target.path("webSocketDebuggerUrl").asText();
            }
        }
        throw new IllegalStateException("Chromium has no page: " + list.body());
    }

    private void onMessage(String text) {
        try {
            JsonNode message = JSON.readTree(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> call = calls.remove(message.get("id").asInt());
                if (call != null) {
                    call.complete(message);
                }
            } else if ("Runtime.exceptionThrown".equals(message.path("method").asText())) {
                pageErrors.add(message.at("/params/exceptionDetails").toString());
            } else if ("Runtime.consoleAPICalled".equals(message.path("method").asText())
                    && "error".equals(message.at("/params/type").asText())) {
                pageErrors.add(message.at("/params/args").toString());
            }
        } catch (IOException e) {
            pageErrors.add("unreadable DevTools message: " + text);
        }
    }

    /** One DevTools command; its {@code result}, or a failure naming the protocol's error. */
    public JsonNode call(String method, Map<String, Object> params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        calls.put(id, reply);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        try {
            socket.sendText(message.toString(), true).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            JsonNode answer = reply.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            if (answer.has("error")) {
                throw new IllegalStateException(method + ": " + answer.get("error"));
            }
            return answer.path("result");
        } catch (Exception e) {
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(method + " failed", e);
        }
    }

    /** Loads {@code url} and waits until the document and its scripts are loaded. */
    public void open(String url) {
        call("Page.navigate", Map.of("url", url));
        waitFor("document.readyState === 'complete' && location.href === " + JSON.valueToTree(url));
    }

    /** The value of a JavaScript expression (promises awaited); an exception in the page fails the test. */
    public JsonNode evaluate(String expression) {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("the page threw on " + expression + ": " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    public String text(String selector) {
        return evaluate("(document.querySelector(" + JSON.valueToTree(selector) + ") || {}).textContent || ''").asText();
    }

    /** Waits until {@code expression} is truthy in the page, or fails with the page's text and its script errors. */
    public void waitFor(String expression) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            try {
                // while a page loads its elements may not exist yet, and a navigation ends the old page's context
                if (evaluate("(() => { try { return !!(" + expression + "); } catch (e) { return false; } })()").asBoolean()) {
                    return;
                }
            } catch (IllegalStateException navigating) {
                // the next try runs in the new page
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page never showed " + expression + " within " + DEADLINE + "; page text: "
                        + evaluate("document.body ? document.body.innerText.substring(0, 3000) : ''").asText()
                        + "; script errors: " + pageErrors);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Clicks the element as a user would (the element's own click, after scrolling it into view). */
    public void click(String selector) {
        waitFor("document.querySelector(" + JSON.valueToTree(selector) + ")");
        evaluate("(() => { const e = document.querySelector(" + JSON.valueToTree(selector)
                + "); e.scrollIntoView(); e.click(); })()");
    }

    /** Focuses the field and types {@code text} into it with real input events. */
    public void type(String selector, String text) {
        evaluate("(() => { const e = document.querySelector(" + JSON.valueToTree(selector) + "); e.focus(); e.select && e.select(); })()");
        call("Input.insertText", Map.of("text", text));
    }

    /** A PNG of the page as shown, to {@code file}. */
    public void screenshot(Path file) {
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the page's scripts threw or logged as errors so far. */
    public List<String> pageErrors() {
        return new ArrayList<>(pageErrors);
    }

    @Override
    public void close() {
        socket.abort();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    private static final class Listener implements WebSocket.Listener {
        private final java.util.function.Consumer<String> onMessage;
        private final StringBuilder partial = new StringBuilder();

        Listener(java.util.function.Consumer<String> onMessage) {
            this.onMessage = onMessage;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String message = partial.toString();
                partial.setLength(0);
                onMessage.accept(message);
            }
            webSocket.request(1);
            return null;
        }
    }
}
