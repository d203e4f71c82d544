package dev.baton.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.protocol.ApiException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys file: hashes to tenants with limits of their own; every mistake named, and no key ever echoed. */
class KeysFileTest {

    private static final TenantLimits DEFAULTS = new TenantLimits(1000, 1000, 0, 0);

    private static String hash(String key) {
        return "sha256:" + TenantDirectory.hash(key);
    }

    private static String problem(String text) {
        return assertThrows(IllegalArgumentException.class, () -> KeysFile.parse(text, "keys.yaml", DEFAULTS)).getMessage();
    }

    @Test
    void readsTenantsTheirKeyHashesAndTheirOwnLimits() {
        KeysFile.Contents contents = KeysFile.parse("""
                tenants:
                  acme:
                    keys: [%s, %s]
                    limits: {turns_per_minute: 600, hot_cache_bytes: 1048576}
                  solo:
                    keys: ["%s"]
                """.formatted(hash("sk-1"), hash("sk-2"), hash("sk-3").toUpperCase().replace("SHA256", "sha256")),
                "keys.yaml", DEFAULTS);
        assertEquals(new TenantId("acme"), contents.tenantsByHash().get(TenantDirectory.hash("sk-2")));
        assertEquals(new TenantId("solo"), contents.tenantsByHash().get(TenantDirectory.hash("sk-3")));
        assertEquals(new TenantLimits(1000, 1000, 600, 1_048_576), contents.limits().get(new TenantId("acme")));
        assertEquals(null, contents.limits().get(new TenantId("solo")), "no limits of its own: the defaults apply");
    }

    @Test
    void namesEveryMistakeWithoutEchoingAKeyPastedByMistake() {
        assertTrue(problem("tenants: [").contains("not valid YAML or JSON"));
        assertTrue(problem("keys: []").contains("one field, 'tenants'"));
        assertTrue(problem("tenants:\n  acme:\n    keys: []\n").contains("tenants.acme.keys: a list of at least one"));
        String pasted = problem("tenants:\n  acme:\n    keys: [sk-live-secret-value]\n");
        assertTrue(pasted.contains("tenants.acme.keys") && !pasted.contains("secret"), pasted);
        assertTrue(problem("tenants:\n  acme:\n    keys: [" + hash("a") + "]\n    limit: {}\n")
                .contains("unknown field 'limit'"));
        assertTrue(problem("tenants:\n  acme:\n    keys: [" + hash("a") + "]\n    limits: {turns_per_minute: -1}\n")
                .contains("tenants.acme.limits.turns_per_minute"));
        assertTrue(problem("tenants:\n  acme:\n    keys: [" + hash("a") + "]\n    limits: {max_sockets: 1.5}\n")
                .contains("max_sockets"));
        assertTrue(problem("tenants:\n  a:\n    keys: [" + hash("k") + "]\n  b:\n    keys: [" + hash("k") + "]\n")
                .contains("listed for tenants 'a' and 'b'"));
        assertTrue(problem("tenants:\n  'bad name':\n    keys: [" + hash("k") + "]\n").contains("a tenant name is"));
    }

    @Test
    void theDirectoryCombinesTheFileWithKeyPairsAndRefusesAKeyGivenTwice(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys.yaml");
        Files.writeString(file, "tenants:\n  acme:\n    keys: [" + hash("sk-file") + "]\n    limits: {max_sockets: 3}\n");
        TenantDirectory tenants = new TenantDirectory(List.of("sk-env=envteam"), file, Duration.ofSeconds(1), DEFAULTS,
                new SimpleMeterRegistry());
        assertEquals(new TenantId("acme"), tenants.authenticate("Bearer sk-file"));
        assertEquals(new TenantId("envteam"), tenants.authenticate("bearer sk-env"));
        assertEquals(3, tenants.limits(new TenantId("acme")).maxSockets());
        assertEquals(DEFAULTS, tenants.limits(new TenantId("envteam")));
        assertEquals(401, assertThrows(ApiException.class, () -> tenants.authenticate("Bearer sk-other")).error().status());

        Files.writeString(file, "tenants:\n  other:\n    keys: [" + hash("sk-env") + "]\n");
        tenants.reloadIfChanged();
        assertEquals(new TenantId("envteam"), tenants.authenticate("Bearer sk-env"), "the conflicting file was refused");
        assertEquals(new TenantId("acme"), tenants.authenticate("Bearer sk-file"), "the last valid file stays in force");

        Files.delete(file);
        tenants.reloadIfChanged();
        assertEquals(new TenantId("acme"), tenants.authenticate("Bearer sk-file"), "a file briefly gone changes nothing");

        long generation = tenants.generation();
        String fingerprint = tenants.keyFingerprint("Bearer sk-file");
        assertTrue(tenants.admits(fingerprint, new TenantId("acme")));
        Files.writeString(file, "tenants:\n  acme:\n    keys: [" + hash("sk-new") + "]\n");
        tenants.reloadIfChanged();
        assertTrue(tenants.generation() > generation, "a reload moves the generation");
        assertFalse(tenants.admits(fingerprint, new TenantId("acme")), "the removed key no longer admits its sockets");
        assertTrue(tenants.admits(tenants.keyFingerprint("Bearer sk-env"), new TenantId("envteam")));
    }

    @Test
    void aKeysFileThatListsNoKeyIsRefusedAtStartAndOnReload(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys.yaml");
        Files.writeString(file, "tenants: {}\n");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new TenantDirectory(
                List.of(), file, Duration.ofSeconds(1), DEFAULTS, new SimpleMeterRegistry()));
        assertTrue(refused.getMessage().contains("lists no key"), refused.getMessage());

        Files.writeString(file, "tenants:\n  acme:\n    keys: [" + hash("sk-file") + "]\n");
        TenantDirectory tenants = new TenantDirectory(List.of(), file, Duration.ofSeconds(1), DEFAULTS,
                new SimpleMeterRegistry());
        Files.writeString(file, "tenants: {}\n");
        tenants.reloadIfChanged();
        assertEquals(401, assertThrows(ApiException.class, () -> tenants.authenticate(null)).error().status(),
                "emptying the file never opens the gateway");
        assertEquals(new TenantId("acme"), tenants.authenticate("Bearer sk-file"));
    }
}
