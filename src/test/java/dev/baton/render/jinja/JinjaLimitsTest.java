package dev.baton.render.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    @Test
    void recursiveMacroFailsAtTheCallDepthLimit() {
        TemplateLimitException e = fails("{% macro down(n) %}{{ down(n + 1) }}{% endmacro %}{{ down(0) }}", Map.of());
        assertEquals(JinjaLimits.Limit.CALL_DEPTH, e.limit());
        assertEquals("macro calls nest deeper than the limit of 64", e.getMessage());
    }

    @Test
    void recursionWithinTheCallDepthLimitRenders() {
        assertEquals("64", render("{% macro down(n) %}{% if n > 1 %}{{ down(n - 1) }}{% else %}{{ depth }}{% endif %}"
                + "{% endmacro %}{{ down(depth) }}", Map.of("depth", 64L)));
    }

    @Test
    void rangeWithAZeroStepFailsAsInPython() {
        TemplateException e = assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(TemplateException.class,
                () -> JinjaTemplate.parse("{% for i in range(0, 10, 0) %}{{ i }}{% endfor %}").render(Map.of())));
        assertFalse(e instanceof TemplateLimitException);
        assertEquals("range() arg 3 must not be zero", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"range(1000000000)", "range(-9223372036854775807, 9223372036854775807)",
            "range(1000000000, 0, -1)", "range(100001)"})
    void rangeBeyondItsLimitFails(String range) {
        TemplateLimitException e = fails("{% for i in " + range + " %}{{ i }}{% endfor %}", Map.of());
        assertEquals(JinjaLimits.Limit.RANGE_LENGTH, e.limit());
        assertTrue(e.getMessage().endsWith("exceeds the limit of 100000"), e.getMessage());
    }

    @Test
    void rangeCountsAsPythonCounts() {
        assertEquals("[10, 7, 4, 1]|[]|[0, 1, 2]|[-2, -1]|[0, 4611686018427387904]|100000",
                render("{{ range(10, 0, -3)|list }}|{{ range(5, 5)|list }}|{{ range(3)|list }}|{{ range(-2, 0)|list }}"
                        + "|{{ range(0, 9223372036854775807, 4611686018427387904)|list }}|{{ range(100000)|length }}", Map.of()));
    }

    @Test
    void nestedLoopsFailAtTheIterationLimit() {
        TemplateLimitException e = fails(
                "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", Map.of());
        assertEquals(JinjaLimits.Limit.LOOP_ITERATIONS, e.limit());
        assertEquals("the rendering exceeds the limit of 1000000 loop iterations", e.getMessage());
    }

    @Test
    void loopFiltersCountAsIterations() {
        TemplateLimitException e = fails("{% for i in range(100000) %}{% for j in range(100000) if j < 0 %}"
                + "{% endfor %}{% endfor %}", Map.of());
        assertEquals(JinjaLimits.Limit.LOOP_ITERATIONS, e.limit());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{{ 'x' * 1000000000 }}", "{{ 1000000000 * 'xy' }}", "{{ 'x' * 9223372036854775807 }}",
            "{{ ([1] * 1000000000)|length }}", "{{ ([1, 2] * 9223372036854775807)|length }}"})
    void repeatingBeyondTheOutputLimitFailsBeforeBuilding(String template) {
        assertEquals(JinjaLimits.Limit.OUTPUT_CHARS, fails(template, Map.of()).limit());
    }

    @Test
    void repeatingWithinTheLimitRendersAsPython() {
        assertEquals("xyxyxy||[1, 2, 1, 2]|[]|aaa", render("{{ 'xy' * 3 }}|{{ 'x' * -1 }}|{{ [1, 2] * 2 }}|{{ [] * 1000000000 }}"
                + "|{{ 3 * 'a' }}", Map.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{% set ns.s = ns.s ~ ns.s %}", "{% set ns.s = ns.s + ns.s %}",
            "{% set ns.s = ns.s.replace('x', 'xx') %}", "{% set ns.s = [ns.s, ns.s]|join %}",
            "{% set ns.s = ns.s|indent(ns.s|length) ~ '\\n' %}"})
    void doublingAStringInALoopFailsAtTheOutputLimit(String doubling) {
        TemplateLimitException e = fails("{% set ns = namespace(s='x\\n') %}{% for i in range(100) %}" + doubling
                + "{% endfor %}{{ ns.s|length }}", Map.of());
        assertEquals(JinjaLimits.Limit.OUTPUT_CHARS, e.limit());
        assertEquals("the rendering exceeds the limit of 33554432 characters", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{{ kilobyte * 100000 }}", "{{ ([kilobyte] * 100000)|join(',') }}",
            "{{ [kilobyte] * 100000 }}", "{{ ([kilobyte] * 100000)|tojson }}", "{{ {'k': [kilobyte] * 100000}|string }}",
            "{{ (kilobyte * 100).replace('', kilobyte) }}", "{{ [1]|tojson(indent=1000000000) }}",
            "{% for i in range(100000) %}{{ kilobyte }}{% endfor %}",
            "{% set captured %}{% for i in range(100000) %}{{ kilobyte }}{% endfor %}{% endset %}",
            "{% macro m() %}{% for i in range(100000) %}{{ kilobyte }}{% endfor %}{% endmacro %}{% set x = m() %}"})
    void writingBeyondTheOutputLimitFails(String template) {
        assertEquals(JinjaLimits.Limit.OUTPUT_CHARS, fails(template, Map.of("kilobyte", "x".repeat(1024))).limit());
    }

    @Test
    void expressionsNestedDeeperThanTheStackFailWithoutStackOverflow() {
        TemplateLimitException rendering = fails("{{ 'a'" + " ~ 'a'".repeat(300_000) + " }}", Map.of());
        assertEquals(JinjaLimits.Limit.STACK, rendering.limit());
        TemplateLimitException parsing = assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(
                TemplateLimitException.class, () -> JinjaTemplate.parse("{{ " + "(".repeat(300_000) + "1"
                        + ")".repeat(300_000) + " }}")));
        assertEquals(JinjaLimits.Limit.STACK, parsing.limit());
    }

    @Test
    void aTemplateEnforcesTheLimitsItWasParsedWith() {
        JinjaLimits small = new JinjaLimits(2, 10, 5, 100);
        Map<String, Object> none = Map.of();
        String recursion = "{% macro down(n) %}{% if n > 0 %}{{ down(n - 1) }}{% endif %}{% endmacro %}{{ down(depth) }}";
        assertEquals("", JinjaTemplate.parse(recursion, small).render(Map.of("depth", 1L)));
        assertEquals(JinjaLimits.Limit.CALL_DEPTH, assertThrows(TemplateLimitException.class,
                () -> JinjaTemplate.parse(recursion, small).render(Map.of("depth", 2L))).limit());
        assertEquals(JinjaLimits.Limit.LOOP_ITERATIONS, assertThrows(TemplateLimitException.class,
                () -> JinjaTemplate.parse("{% for i in range(4) %}{% for j in range(3) %}{% endfor %}{% endfor %}", small)
                        .render(none)).limit());
        assertEquals(JinjaLimits.Limit.RANGE_LENGTH, assertThrows(TemplateLimitException.class,
                () -> JinjaTemplate.parse("{{ range(6) }}", small).render(none)).limit());
        assertEquals("x".repeat(100), JinjaTemplate.parse("{{ 'x' * 100 }}", small).render(none));
        assertEquals(JinjaLimits.Limit.OUTPUT_CHARS, assertThrows(TemplateLimitException.class,
                () -> JinjaTemplate.parse("{{ 'x' * 100 }}!", small).render(none)).limit());
    }

    private static TemplateLimitException fails(String template, Map<String, Object> context) {
        return assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(TemplateLimitException.class,
                () -> JinjaTemplate.parse(template).render(context)));
    }

    private static String render(String template, Map<String, Object> context) {
        return assertTimeoutPreemptively(HANG_GUARD, () -> JinjaTemplate.parse(template).render(context));
    }
}
