package dev.baton.ws;

import dev.baton.support.Fuzz;
import dev.baton.support.NodeScripts;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket fuzzer out of process ({@code src/test/node/ws-fuzz.mjs}, the {@code ws} 8.x client with its default
 * permessage-deflate): connections one after another, each sending ~100 frames one at a time, every frame the instant
 * the previous one's answer arrives — empty frames, broken JSON, random bytes as text, thousands of {@code [}, long
 * strings, refused and valid creates. Every frame gets exactly one answer within the deadline.
 * {@code -Dfuzz.inputs=N} for a longer run, {@code -Dfuzz.seed=N} for another sequence (docs/reliability.md).
 */
@QuarkusTest
class WebSocketNodeFuzzTest {

    @TestHTTPResource("/v1/responses")
    URL endpoint;

    @Test
    void everyFrameFromAnOutOfProcessClientGetsExactlyOneAnswer() throws Exception {
        String url = endpoint.toString().replaceFirst("^http", "ws");
        int frames = Fuzz.inputs(20_000);
        Duration timeout = Duration.ofSeconds(Math.max(180, frames / 200)); // ~40 s for 20,000 on 2 cores
        NodeScripts.runPassing("ws-fuzz.mjs", "ws-fuzz passed", timeout, url,
                "--frames", Integer.toString(frames), "--seed", Long.toString(Fuzz.seed()));
    }
}
