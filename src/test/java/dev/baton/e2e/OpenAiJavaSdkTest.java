package dev.baton.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.conversations.Conversation;
import com.openai.models.conversations.ConversationCreateParams;
import com.openai.models.conversations.items.ConversationItem;
import com.openai.models.conversations.items.ItemListParams;
import com.openai.models.responses.CompactedResponse;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCompactParams;
import com.openai.models.responses.ResponseCompactionItem;
import com.openai.models.responses.ResponseCompactionItemParam;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.inputitems.InputItemListPage;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, pointed at Baton by base URL only. */
@QuarkusTest
class OpenAiJavaSdkTest extends SdkClientTest {

    @Test
    void createsRetrievesChainsListsAndDeletes() {
        Response first = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").input("Hello from the SDK").build());
        assertEquals("completed", first.status().orElseThrow().asString());
        String firstText = first.output().get(0).asMessage().content().get(0).asOutputText().text();
        assertTrue(firstText.startsWith("Simulated reply #1"), firstText);

        Response retrieved = client.responses().retrieve(first.id());
        assertEquals(first.id(), retrieved.id());
        assertEquals(firstText, retrieved.output().get(0).asMessage().content().get(0).asOutputText().text());

        Response second = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").input("And again").previousResponseId(first.id()).build());
        assertEquals(first.id(), second.previousResponseId().orElseThrow());
        assertTrue(second.usage().orElseThrow().inputTokensDetails().cachedTokens() > 0);

        InputItemListPage items = client.responses().inputItems().list(second.id());
        assertEquals(1, items.items().size());
        assertEquals("And again", items.items().get(0).asResponseInputMessageItem().content().get(0).asInputText().text());

        client.responses().delete(first.id());
        assertThrows(NotFoundException.class, () -> client.responses().retrieve(first.id()));
        // the child still carries its own context
        Response third = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").input("Still here?").previousResponseId(second.id()).build());
        assertEquals("completed", third.status().orElseThrow().asString());
    }

    @Test
    void streamsEventsTheSdkUnderstands() {
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(
                ResponseCreateParams.builder().model("baton-simulator").input("Stream via SDK").build())) {
            stream.stream().forEach(events::add);
        }
        assertTrue(events.get(0).isCreated());
        assertTrue(events.get(events.size() - 1).isCompleted());
        StringBuilder deltas = new StringBuilder();
        events.stream().filter(ResponseStreamEvent::isOutputTextDelta)
                .forEach(e -> deltas.append(e.asOutputTextDelta().delta()));
        Response completed = events.get(events.size() - 1).asCompleted().response();
        assertEquals(deltas.toString(),
                completed.output().get(0).asMessage().content().get(0).asOutputText().text());
    }

    @Test
    void surfacesPreviousResponseNotFoundAsABadRequest() {
        BadRequestException error = assertThrows(BadRequestException.class, () -> client.responses().create(
                ResponseCreateParams.builder().model("baton-simulator").input("x").previousResponseId("resp_gone").build()));
        assertEquals(400, error.statusCode());
        assertEquals("previous_response_not_found", error.code().orElseThrow());
        assertEquals("previous_response_id", error.param().orElseThrow());
    }

    @Test
    void compactsAChainAndContinuesFromTheCompactedWindow() {
        Response first = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").input("Remember: the database is Postgres 15").build());
        Response second = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").input("And the cache is Redis 7").previousResponseId(first.id()).build());

        CompactedResponse compacted = client.responses().compact(ResponseCompactParams.builder()
                .model("baton-simulator").previousResponseId(second.id()).build());
        assertEquals(3, compacted.output().size());
        assertTrue(compacted.output().get(0).isMessage() && compacted.output().get(1).isMessage());
        ResponseCompactionItem item = compacted.output().get(2).asCompaction();
        assertTrue(item.encryptedContent().startsWith("baton1."));
        assertTrue(compacted.usage().outputTokens() > 0);

        List<ResponseInputItem> window = new ArrayList<>();
        for (String said : List.of("Remember: the database is Postgres 15", "And the cache is Redis 7")) {
            window.add(ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                    .role(EasyInputMessage.Role.USER).content(said).build()));
        }
        window.add(ResponseInputItem.ofCompaction(ResponseCompactionItemParam.builder()
                .id(item.id()).encryptedContent(item.encryptedContent()).build()));
        window.add(ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                .role(EasyInputMessage.Role.USER).content("What do we run?").build()));
        Response next = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").inputOfResponse(window).build());
        assertEquals("completed", next.status().orElseThrow().asString());
        Response after = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").input("Thanks").previousResponseId(next.id()).build());
        assertEquals("completed", after.status().orElseThrow().asString(), "the compacted chain continues");
    }

    @Test
    void serverSideCompactionStreamsTheCompactionItemAndBothKindsOfChainGoOn() {
        Response first = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").input("alpha ".repeat(600)).build());
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
                .model("baton-simulator").input("beta ".repeat(450)).previousResponseId(first.id())
                .addContextManagement(ResponseCreateParams.ContextManagement.builder().type("compaction")
                        .compactThreshold(1000L).build()).build())) {
            stream.stream().forEach(events::add);
        }
        assertTrue(events.stream().anyMatch(ResponseStreamEvent::isCompactionCompacting), "compacting announced");
        Response compacted = events.get(events.size() - 1).asCompleted().response();
        ResponseCompactionItem item = compacted.output().get(0).asCompaction();
        assertEquals(events.stream().filter(ResponseStreamEvent::isCompactionCompacting).findFirst().orElseThrow()
                .asCompactionCompacting().itemId(), item.id());
        assertTrue(compacted.output().get(1).isMessage());

        Response chained = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").input("gamma").previousResponseId(compacted.id()).build());
        assertTrue(chained.output().get(0).asMessage().content().get(0).asOutputText().text()
                .startsWith("Simulated reply #2"), "continued from the compacted window by id");

        Response onDemand = client.responses().create(ResponseCreateParams.builder().model("baton-simulator")
                .inputOfResponse(List.of(ResponseInputItem.ofCompactionTrigger())).previousResponseId(chained.id()).build());
        assertEquals(1, onDemand.output().size(), "a compaction_trigger answers with the compaction item alone");
        assertTrue(onDemand.output().get(0).asCompaction().encryptedContent().startsWith("baton1."));

        List<ResponseInputItem> stateless = new ArrayList<>(); // what a client that keeps its own items sends
        stateless.add(ResponseInputItem.ofCompaction(ResponseCompactionItemParam.builder()
                .id(item.id()).encryptedContent(item.encryptedContent()).build()));
        stateless.add(ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                .role(EasyInputMessage.Role.USER).content("gamma").build()));
        Response resent = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").inputOfResponse(stateless).store(false).build());
        assertEquals("completed", resent.status().orElseThrow().asString());
    }

    @Test
    void conversationsCarryTurnsThatTheSdkChainsByConversationId() {
        Conversation conversation = client.conversations().create(ConversationCreateParams.builder()
                .addItem(EasyInputMessage.builder().role(EasyInputMessage.Role.USER).content("My name is Ada").build())
                .build());
        assertTrue(conversation.id().startsWith("conv_"));
        Response first = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").conversation(conversation.id()).input("What is my name?").build());
        assertEquals("completed", first.status().orElseThrow().asString());
        Response second = client.responses().create(ResponseCreateParams.builder()
                .model("baton-simulator").conversation(conversation.id()).input("And again?").build());
        String text = second.output().get(0).asMessage().content().get(0).asOutputText().text();
        assertTrue(text.startsWith("Simulated reply #2"), "the second turn continues the first: " + text);

        List<ConversationItem> items = client.conversations().items().list(conversation.id(),
                ItemListParams.builder().order(ItemListParams.Order.ASC).build()).items();
        assertEquals(5, items.size());
        assertEquals("My name is Ada", items.get(0).asMessage().content().get(0).asInputText().text());
        assertEquals(conversation.id(), client.conversations().retrieve(conversation.id()).id());
        assertTrue(client.conversations().delete(conversation.id()).deleted());
    }
}
