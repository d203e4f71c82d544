package dev.baton.safety;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The BATON_SAFETY file: tenants' overrides, and every mistake named by file, classifier and field. */
class SafetyFileTest {

    private static final Vertx VERTX = Vertx.vertx();

    @AfterAll
    static void close() {
        VERTX.close();
    }

    private static SafetyFile.Rules read(String yaml) throws Exception {
        Path file = Files.createTempFile("safety", ".yaml");
        Files.writeString(file, yaml);
        return SafetyFile.read(file, VERTX, new ObjectMapper(), Map.of("MOD_KEY", "k")::get);
    }

    private static String problem(String yaml) {
        return assertThrows(IllegalStateException.class, () -> read(yaml)).getMessage();
    }

    @Test
    void tenantsDisableAndReplaceClassifiersByName() throws Exception {
        SafetyFile.Rules rules = read("""
                classifiers:
                  - {name: secrets, type: secrets, action: block}
                  - {name: pii, type: pii, action: redact, scope: window, window_tokens: 500}
                  - {name: mod, type: openai-moderations, url: "http://127.0.0.1:1/v1", api_key_env: MOD_KEY, timeout: 500ms, action: flag, on_error: block}
                tenants:
                  acme: {disable: [pii]}
                  globex:
                    classifiers:
                      - {name: secrets, type: secrets, action: flag}
                """);
        assertEquals(List.of("secrets", "pii", "mod"), rules.forTenant("someone").stream().map(ClassifierSpec::name).toList());
        assertEquals(500, rules.forTenant("someone").get(1).windowTokens());
        assertTrue(rules.forTenant("someone").get(2).blockOnError());
        assertEquals(List.of("secrets", "mod"), rules.forTenant("acme").stream().map(ClassifierSpec::name).toList());
        assertEquals("flag", rules.forTenant("globex").get(0).action());
    }

    @Test
    void mistakesNameTheFileTheClassifierAndTheField() {
        String bad = problem("classifiers:\n  - {name: pii, type: pii, action: drop}\n");
        assertTrue(bad.startsWith("BATON_SAFETY file /") && bad.contains("classifiers[0] (name: pii) field action must be "
                + "block, redact, flag, not 'drop'"), bad);
        assertTrue(problem("classifiers:\n  - {name: x, type: regex, action: block}\n").contains("(name: x) field type"));
        assertTrue(problem("classifiers:\n  - {name: w, type: pii, action: flag, scope: window}\n")
                .contains("(name: w) field window_tokens"));
        assertTrue(problem("classifiers:\n  - {name: m, type: openai-moderations, action: block}\n")
                .contains("(name: m) needs a 'url'"));
        assertTrue(problem("classifiers:\n  - {name: m, type: openai-moderations, url: 'http://h/v1', api_key_env: NOPE, action: block}\n")
                .contains("api_key_env names NOPE, which is not set"));
        assertTrue(problem("classifiers:\n  - {name: a, type: pii, action: flag}\n  - {name: a, type: pii, action: flag}\n")
                .contains("repeats the name 'a'"));
        assertTrue(problem("classifiers:\n  - {name: a, type: pii, action: flag}\ntenants:\n  t: {disable: [b]}\n")
                .contains("tenants.t.disable names 'b'"));
        assertTrue(problem("classifiers: {}\n").contains("needs a 'classifiers' list"));
    }
}
