package dev.baton.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.render.ContextFingerprint;
import dev.baton.render.RenderedContext;
import java.util.List;

/**
 * One turn as an engine receives it: the full rendered context (shared, never copied), the
 * per-request settings, the digest of the preamble (instructions + tools) so that engines can key
 * prefix caches without re-hashing, and the turn's place in its chain. {@code reasoning} and
 * {@code text} are the request's JSON as sent (or {@code null}); {@code include} is never null.
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
        Double presencePenalty,
        Double frequencyPenalty,
        String promptCacheKey,
        JsonNode reasoning,
        JsonNode text,
        List<String> include,
        ChainPosition chain) {

    /**
     * Where the turn sits in its chain, for engines that keep upstream state or route by affinity.
     *
     * @param responseId       the id Baton gives this turn's response
     * @param parentResponseId the response this turn continues, or {@code null}
     * @param newItems         how many items at the end of the context this turn added (its input)
     * @param affinityKey      the chain's routing key (its {@code prompt_cache_key} or its first response id)
     * @param homeEndpoint     the upstream endpoint that served the chain's first turn, or {@code null}
     */
    public record ChainPosition(String responseId, String parentResponseId, int newItems, String affinityKey,
                                String homeEndpoint) {
    }

    /** The same request on another context, at another place in its chain. */
    public EngineRequest on(RenderedContext otherContext, ChainPosition otherPosition) {
        return new EngineRequest(model, instructions, tools, toolChoice, otherContext, preambleDigest, maxOutputTokens,
                maxToolCalls, parallelToolCalls, temperature, topP, presencePenalty, frequencyPenalty, promptCacheKey, reasoning,
                text, include, otherPosition);
    }

    /**
     * The request that has the engine summarize {@code conversation} for compaction: the same model, instructions and
     * tools (the prompt prefix stays the one the engine cached), but plain text, no tool call and no output limit of
     * the turn's.
     */
    public EngineRequest summarizing(RenderedContext conversation, ChainPosition summaryPosition) {
        return new EngineRequest(model, instructions, tools, com.fasterxml.jackson.databind.node.TextNode.valueOf("none"),
                conversation, preambleDigest, null, null, parallelToolCalls, temperature, topP, presencePenalty,
                frequencyPenalty, promptCacheKey,
                reasoning, null, include, summaryPosition);
    }

    /** The context fingerprint of this request (see {@link ContextFingerprint}). */
    public String fingerprint() {
        return ContextFingerprint.of(preambleDigest, context);
    }
}
