package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Token usage of one response, as the Responses API reports it. */
@RegisterForReflection
@JsonPropertyOrder({"input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details", "total_tokens"})
public record Usage(long inputTokens, InputDetails inputTokensDetails, long outputTokens,
                    OutputDetails outputTokensDetails, long totalTokens) {

    public static final Usage ZERO = of(0, 0, 0, 0);

    public static Usage of(long inputTokens, long cachedTokens, long outputTokens, long reasoningTokens) {
        return new Usage(inputTokens, new InputDetails(cachedTokens, 0), outputTokens,
                new OutputDetails(reasoningTokens), inputTokens + outputTokens);
    }

    /** Both counts together (a turn and the compaction it ran). */
    public Usage plus(Usage other) {
        return new Usage(inputTokens + other.inputTokens, new InputDetails(
                inputTokensDetails.cachedTokens() + other.inputTokensDetails.cachedTokens(),
                inputTokensDetails.cacheWriteTokens() + other.inputTokensDetails.cacheWriteTokens()),
                outputTokens + other.outputTokens,
                new OutputDetails(outputTokensDetails.reasoningTokens() + other.outputTokensDetails.reasoningTokens()),
                totalTokens + other.totalTokens);
    }

    @RegisterForReflection
    public record InputDetails(long cachedTokens, long cacheWriteTokens) {
    }

    @RegisterForReflection
    public record OutputDetails(long reasoningTokens) {
    }
}
