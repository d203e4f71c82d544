package dev.baton.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.render.ContextFingerprint;
import dev.baton.render.RenderedContext;
import java.util.List;

/**
 * One turn as an engine receives it: the full rendered context (shared, never copied), the
 * per-request settings, and the digest of the preamble (instructions + tools) so that engines can
 * key prefix caches without re-hashing.
 */
public record EngineRequest(
        String model,
        String instructions,
        List<JsonNode> tools,
        JsonNode toolChoice,
        RenderedContext context,
        byte[] preambleDigest,
        Integer maxOutputTokens,
        Integer maxToolCalls,
        boolean parallelToolCalls,
        Double temperature,
        Double topP,
        String promptCacheKey) {

    /** The context fingerprint of this request (see {@link ContextFingerprint}). */
    public String fingerprint() {
        return ContextFingerprint.of(preambleDigest, context);
    }
}
