package dev.baton.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.engine.EngineException;
import dev.baton.engine.upstream.Endpoint;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {

    @Test
    void masksTheUserInfoOfEveryUrlInAText() {
        assertEquals("redis://***@cache:6379/0", Secrets.redact("redis://default:s3cret@cache:6379/0"));
        assertEquals("rediss://***@cache:6380", Secrets.redact("rediss://:onlypassword@cache:6380"));
        assertEquals("failed: http://***@a/v1 then https://***@b", Secrets.redact("failed: http://u:p@a/v1 then https://x@b"));
        assertEquals("http://host:8000/v1/", Secrets.redact(URI.create("http://host:8000/v1/")), "nothing to mask");
        assertEquals("a p@ss without a scheme", Secrets.redact("a p@ss without a scheme"));
        assertEquals("redis://***@host:6379", Secrets.redact("redis://user:p@ss@host:6379"), "an @ in the password");
        assertEquals("redis://***@host", Secrets.redact("redis://:pa/ss@host"), "a / in the password");
        assertEquals("Authorization: Basic ***", Secrets.redact("Authorization: Basic dXNlcjpwYXNz"));
    }

    @Test
    void aHugeTextIsCutAndRedactedInLinearTime() {
        String letters = "a".repeat(1 << 20);
        String redacted = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> Secrets.redact("The model `" + letters + "://x:y@z` does not exist."));
        assertTrue(redacted.length() <= Secrets.MAX_CHARS + 1, "cut to " + Secrets.MAX_CHARS + " characters");
        assertEquals(Secrets.MAX_CHARS + 1, Secrets.redact("b".repeat(Secrets.MAX_CHARS + 100)).length());
    }

    @Test
    void masksKeyParametersBearerTokensAndApiKeys() {
        assertEquals("https://h/v1?api_key=***&model=x", Secrets.redact("https://h/v1?api_key=abc123&model=x"));
        assertEquals("Authorization: Bearer ***", Secrets.redact("Authorization: Bearer abc.def-123"));
        assertEquals("Incorrect API key provided: ***.", Secrets.redact("Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz0123."));
        assertEquals("the sk-ip step", Secrets.redact("the sk-ip step"), "short words are not keys");
    }

    @Test
    void anEndpointNeverShowsItsHeadersValuesOrCredentials() {
        Endpoint endpoint = new Endpoint("vllm", Endpoint.CHAT, Endpoint.HTTP, URI.create("http://user:pw-secret@vllm:8000/v1/"),
                Map.of("authorization", "Bearer upstream-secret-key"), List.of(), null, "models");
        String shown = endpoint.toString();
        assertFalse(shown.contains("upstream-secret-key") || shown.contains("pw-secret"), shown);
        assertTrue(shown.contains("authorization=***") && shown.contains("http://***@vllm:8000/v1/"), shown);
    }

    @Test
    void engineFailuresQuotingAKeyReachClientsMasked() {
        EngineException failure = new EngineException("server_error",
                "upstream answered 401: Incorrect API key provided: sk-abcdefghijklmnopqrstuvwx");
        assertEquals("upstream answered 401: Incorrect API key provided: ***", failure.getMessage());
    }
}
