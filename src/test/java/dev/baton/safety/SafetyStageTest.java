package dev.baton.safety;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.render.RenderedContext;
import dev.baton.render.TokenCounter;
import dev.baton.session.TenantId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The stage's bounds and failure rules: the window is a bounded tail; a failing classifier follows on_error. */
class SafetyStageTest {

    private static final Vertx VERTX = Vertx.vertx();
    private static final TenantId TENANT = new TenantId("t");

    @AfterAll
    static void close() {
        VERTX.close();
    }

    private static MessageItem user(String text) {
        return new MessageItem("msg_" + text.hashCode(), null, "user", List.of(ContentPart.Text.input(text)));
    }

    private static SafetyStage stage(String yaml) throws Exception {
        Path file = Files.createTempFile("safety", ".yaml");
        Files.writeString(file, yaml);
        return SafetyStage.of(SafetyFile.read(file, VERTX, new ObjectMapper(), Map.<String, String>of()::get), new SimpleMeterRegistry());
    }

    @Test
    void theWindowIsTheChainsMostRecentTextBoundedByItsTokens() {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            items.add(user("message number " + i + " with some words about the build and its many failing tests"));
        }
        RenderedContext context = RenderedContext.EMPTY.append(items);
        String window = SafetyStage.windowText(context, 100);
        assertTrue(window.endsWith("message number 199 with some words about the build and its many failing tests"));
        assertTrue(TokenCounter.count(window) <= 100, "at most the window: " + TokenCounter.count(window) + " tokens");
        assertTrue(TokenCounter.count(window) >= 60, "and nearly all of it");
        assertEquals("", SafetyStage.windowText(RenderedContext.EMPTY, 100));
    }

    @Test
    void aFailingClassifierLetsTheTurnPassOrBlocksItAsConfigured() throws Exception {
        String unreachable = "http://127.0.0.1:1/v1";
        SafetyStage allow = stage("classifiers:\n  - {name: mod, type: openai-moderations, url: '" + unreachable
                + "', timeout: 2s, action: block, on_error: allow}\n");
        SafetyStage.Screened passed = allow.screen(TENANT, List.of(user("hello")), RenderedContext.EMPTY, null)
                .await().atMost(Duration.ofSeconds(10));
        ObjectNode verdict = (ObjectNode) passed.verdicts().path("classifiers").get(0);
        assertEquals("error", verdict.path("result").asText());

        SafetyStage block = stage("classifiers:\n  - {name: mod, type: openai-moderations, url: '" + unreachable
                + "', timeout: 2s, action: flag, on_error: block}\n");
        ApiException refused = assertThrows(ApiException.class, () -> block.screen(TENANT, List.of(user("hello")),
                RenderedContext.EMPTY, null).await().atMost(Duration.ofSeconds(10)));
        assertEquals("input_blocked", refused.error().code());
        assertTrue(refused.error().message().contains("could not be checked by the safety classifier 'mod'"));
    }
}
