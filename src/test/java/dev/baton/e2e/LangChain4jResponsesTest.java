package dev.baton.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiResponsesChatModel;
import dev.langchain4j.model.openai.OpenAiResponsesChatRequestParameters;
import dev.langchain4j.model.openai.OpenAiResponsesStreamingChatModel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * LangChain4j's Responses models — the Java ecosystem's most used client library — against Baton with only the base
 * URL changed: a tool round trip chained by {@code previousResponseId}, blocking and streaming. LangChain4j sends
 * {@code store: false} unless told otherwise, and a response not stored cannot be continued over HTTP (as with OpenAI):
 * chaining by id needs {@code store(true)}.
 */
@QuarkusTest
class LangChain4jResponsesTest {

    private static final ToolSpecification READ_FILE = ToolSpecification.builder().name("read_file")
            .description("Reads a file.")
            .parameters(JsonObjectSchema.builder().addStringProperty("path").required("path").build()).build();

    @TestHTTPResource("/v1")
    URL baseUrl;

    @Test
    void aBlockingModelRunsAToolRoundTripChainedByPreviousResponseId() {
        OpenAiResponsesChatModel model = OpenAiResponsesChatModel.builder().baseUrl(baseUrl.toString())
                .apiKey("sk-unused").modelName("baton-simulator").store(true).build();
        ChatResponse first = model.chat(ChatRequest.builder().messages(UserMessage.from("Read the notes"))
                .parameters(OpenAiResponsesChatRequestParameters.builder().toolSpecifications(READ_FILE)
                        .toolChoice(ToolChoice.REQUIRED).build()).build());
        assertTrue(first.aiMessage().hasToolExecutionRequests(), first.toString());
        ToolExecutionRequest call = first.aiMessage().toolExecutionRequests().get(0);
        assertEquals("read_file", call.name());
        assertTrue(first.id().startsWith("resp_"), first.id());

        ChatResponse second = model.chat(ChatRequest.builder()
                .messages(ToolExecutionResultMessage.from(call, "line one"))
                .parameters(OpenAiResponsesChatRequestParameters.builder().previousResponseId(first.id())
                        .toolSpecifications(READ_FILE).build()).build());
        assertTrue(second.aiMessage().text().startsWith("Simulated reply #2"), second.aiMessage().text());
    }

    @Test
    void aStreamingModelStreamsTheAnswerAndChains() throws Exception {
        OpenAiResponsesStreamingChatModel model = OpenAiResponsesStreamingChatModel.builder().baseUrl(baseUrl.toString())
                .apiKey("sk-unused").modelName("baton-simulator").store(true).build();
        ChatResponse first = stream(model, ChatRequest.builder().messages(UserMessage.from("Hello")).build());
        ChatResponse second = stream(model, ChatRequest.builder().messages(UserMessage.from("And then?"))
                .parameters(OpenAiResponsesChatRequestParameters.builder().previousResponseId(first.id()).build()).build());
        assertTrue(second.aiMessage().text().startsWith("Simulated reply #2"), second.aiMessage().text());
    }

    private static ChatResponse stream(OpenAiResponsesStreamingChatModel model, ChatRequest request) throws Exception {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        StringBuilder partials = new StringBuilder();
        model.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(30, TimeUnit.SECONDS);
        assertFalse(partials.isEmpty(), "deltas were streamed");
        assertEquals(partials.toString(), response.aiMessage().text());
        return response;
    }
}
