package dev.baton.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.function.UnaryOperator;

/**
 * A {@code compaction} item: what {@code POST /v1/responses/compact} (or {@code context_management}) made of the
 * earlier part of a conversation. Clients see and send back only {@code encrypted_content}, which Baton sealed; engines
 * get the summary inside it ({@link #summary()}).
 *
 * <p>Why a process-wide opener instead of passing keys along: a compaction item can reach an engine from anywhere a
 * context comes from — a request, the hot cache, a chain rebuilt from Redis on a cold replica — and every engine
 * mapping reads items without a tenant or a key at hand. The item's tenant was checked when it entered a request
 * ({@code dev.baton.compaction.CompactionSeal}); opening it again later needs only the key ring, which the seal installs
 * here at start.
 */
@RegisterForReflection
@JsonPropertyOrder({"type", "id", "encrypted_content"})
public record CompactionItem(String id, @JsonProperty("encrypted_content") String encryptedContent) implements Item {

    /**
     * The default request Baton appends to a conversation to have the engine summarize it
     * ({@code BATON_COMPACTION_PROMPT}); the simulator answers a request that starts with it with a deterministic summary.
     */
    public static final String DEFAULT_PROMPT = "Compact this conversation: write a summary that lets you continue it"
            + " without the messages above. Keep every fact, decision, file name, command and open task the conversation"
            + " established, the user's goals and constraints, and the state of the work. Write only the summary.";

    private static volatile UnaryOperator<String> opener = sealed -> null;

    /** Installs how sealed content is opened (the summary, or {@code null} when it cannot be). */
    public static void openWith(UnaryOperator<String> open) {
        opener = open;
    }

    @JsonProperty("type")
    @Override
    public String type() {
        return "compaction";
    }

    /**
     * The summary an engine reads in this item's place: the conversation so far, as the model summarized it. A turn
     * checks its items open before it runs; should one still not (its key replaced in between), the turn fails rather
     * than run without the history the summary stands for.
     *
     * @throws ApiException {@code invalid_encrypted_content} when the item cannot be opened
     */
    @JsonIgnore
    public String summary() {
        String summary = opener.apply(encryptedContent);
        if (summary == null) {
            throw ApiError.invalidRequest(null, "invalid_encrypted_content", "The compaction item '" + id
                    + "' can no longer be opened: the key that sealed it was retired or replaced.").exception();
        }
        return summary;
    }

    /** How engines receive this item: a user message that hands the model its own summary of what came before. */
    @JsonIgnore
    public MessageItem asUserMessage() {
        return new MessageItem(id, "completed", "user", java.util.List.of(ContentPart.Text.input(
                "Summary of the earlier part of this conversation:\n" + summary())));
    }

    @Override
    public CompactionItem withId(String newId) {
        return new CompactionItem(newId, encryptedContent);
    }

    @Override
    public int estimatedBytes() {
        return 64 + 2 * encryptedContent.length();
    }
}
