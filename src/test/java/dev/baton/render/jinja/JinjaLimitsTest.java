package dev.baton.render.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The interpreter's limits: a template that recurses, loops or grows without bound fails the rendering with a
 * {@link TemplateException} naming the limit — never a {@link StackOverflowError}, a hang or an exhausted heap.
 * The timeouts only guard against hangs; they measure nothing.
 */
class JinjaLimitsTest {

    private static final Duration HANG_GUARD = Duration.ofSeconds(10);

    @Test
    void macroCallsAndSetBlocksDoNotCopyTheOutputSoFar() {
        List<Object> messages = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            String role = i % 2 == 0 ? "user" : "assistant";
            String content = "message " + i + " " + "x".repeat(200);
            messages.add(Map.of("role", role, "content", content));
            expected.append("<|").append(role).append("|>").append(content).append("<|end|>");
        }
        // 40,000 captures over a 4.5 MB prompt: copying the output so far on each was ~10^11 characters copied
        JinjaTemplate template = JinjaTemplate.parse("""
                {%- macro wrap(role, text) %}<|{{ role }}|>{{ text }}<|end|>{% endmacro -%}
                {%- for message in messages %}{% set body %}{{ message.content }}{% endset %}{{ wrap(message.role, body) }}{% endfor -%}
                """);
        String rendered = assertTimeoutPreemptively(HANG_GUARD, () -> template.render(Map.of("messages", messages)));
        assertEquals(expected.toString(), rendered);
    }
}
