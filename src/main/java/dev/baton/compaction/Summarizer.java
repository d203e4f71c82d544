package dev.baton.compaction;

import dev.baton.config.BatonConfig;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.render.ItemRendering;
import dev.baton.render.RenderedContext;
import dev.baton.session.Ids;
import dev.baton.session.TenantId;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What compacting a conversation is made of, wherever it happens ({@code POST /v1/responses/compact}, or a turn whose
 * {@code context_management} threshold was passed): the summarization prompt appended to the conversation, the user
 * messages a compacted window keeps verbatim, and the engine's summary sealed into a {@code compaction} item.
 */
@ApplicationScoped
public class Summarizer {

    private final CompactionSeal seal;
    private final String prompt;

    @Inject
    public Summarizer(CompactionSeal seal, BatonConfig config) {
        this(seal, config.compaction().prompt().orElse(CompactionItem.DEFAULT_PROMPT));
    }

    public Summarizer(CompactionSeal seal, String prompt) {
        this.seal = seal;
        this.prompt = prompt;
    }

    /** The summarization request, as the user message that follows the conversation. */
    public String prompt() {
        return prompt;
    }

    /** {@code conversation} followed by the summarization prompt: what the engine reads to write a summary. */
    public RenderedContext request(RenderedContext conversation) {
        return conversation.append(List.of(new MessageItem(Ids.message(), "completed", "user",
                List.of(ContentPart.Text.input(prompt)))));
    }

    /**
     * The user messages of {@code conversation}, in order: the part of a compacted window kept verbatim. At most
     * {@code tokenBudget} tokens of them, the newest first, so that a window never grows back past the threshold that
     * made it (older messages then live on in the summary only).
     */
    public static List<Item> userMessages(List<Item> conversation, long tokenBudget) {
        List<Item> kept = new ArrayList<>();
        long tokens = 0;
        for (int i = conversation.size() - 1; i >= 0; i--) {
            if (conversation.get(i) instanceof MessageItem message && "user".equals(message.role())) {
                tokens += ItemRendering.tokens(message);
                if (tokens > tokenBudget) {
                    break;
                }
                kept.add(message);
            }
        }
        Collections.reverse(kept);
        return kept;
    }

    /** Fails with 503 while compaction items cannot be sealed ({@link CompactionSeal#requireKey}). */
    public void requireKey() {
        seal.requireKey();
    }

    /**
     * The engine's summary sealed for {@code tenant} as a {@code compaction} item.
     *
     * @throws IllegalArgumentException when the summary is blank (the engine wrote none)
     */
    public CompactionItem sealed(TenantId tenant, String itemId, String summary) {
        if (summary == null || summary.isBlank()) {
            throw new IllegalArgumentException("the engine wrote no summary");
        }
        return new CompactionItem(itemId, seal.seal(tenant, summary.strip()));
    }
}
