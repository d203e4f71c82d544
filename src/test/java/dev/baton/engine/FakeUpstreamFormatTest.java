package dev.baton.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.core.ObjectMappers;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.responses.ResponseStreamEvent;
import dev.baton.support.Sse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fakes are only as good as their faithfulness: every event they stream must deserialize and
 * validate as the official openai-java SDK's models ({@code ResponseStreamEvent}, {@code ChatCompletionChunk}),
 * and their event order must be the canonical sequences of the Responses API reference (PROTOCOL.md §3.2–3.3).
 */
class FakeUpstreamFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static FakeResponsesServer responses;

    @BeforeAll
    static void start() {
        responses = new FakeResponsesServer("fmt", null).start(0);
    }

    @AfterAll
    static void stop() {
        responses.stop();
    }

    private static List<Sse.Event> post(String input) throws Exception {
        String body = JSON.createObjectNode().put("model", "fake-model").put("stream", true).put("store", false)
                .put("input", input).toString();
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(responses.url() + "/responses"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("text/event-stream", response.headers().firstValue("content-type").orElse(""));
        List<Sse.Event> events = Sse.parse(response.body());
        for (int i = 0; i < events.size(); i++) {
            Sse.Event event = events.get(i);
            assertEquals(event.type(), event.name(), "the SSE event name repeats the type");
            assertEquals(i, event.data().path("sequence_number").asInt(), "sequence numbers count from 0");
            validateWithSdk(event.data());
        }
        return events;
    }

    private static void validateWithSdk(JsonNode event) throws Exception {
        ObjectMappers.jsonMapper().readValue(event.toString(), ResponseStreamEvent.class).validate();
    }

    private static List<String> types(List<Sse.Event> events) {
        List<String> types = new ArrayList<>();
        for (Sse.Event event : events) {
            String type = event.type();
            if (types.isEmpty() || !types.get(types.size() - 1).equals(type) || !type.endsWith(".delta")) {
                types.add(type);
            }
        }
        return types;
    }

    @Test
    void aTextAnswerFollowsTheCanonicalSequence() throws Exception {
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.completed"), types(post("[text] hi")));
    }

    @Test
    void parallelFunctionCallsFollowTheCanonicalSequence() throws Exception {
        List<String> oneCall = List.of("response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done");
        List<String> expected = new ArrayList<>(List.of("response.created", "response.in_progress"));
        expected.addAll(oneCall);
        expected.addAll(oneCall);
        expected.add("response.completed");
        List<Sse.Event> events = post("[tools] go");
        assertEquals(expected, types(events));
        JsonNode done = events.get(events.size() - 1).data().path("response");
        assertEquals(2, done.path("output").size());
        assertEquals("function_call", done.at("/output/1/type").asText());
    }

    @Test
    void reasoningIncompleteAndFailedResponsesValidate() throws Exception {
        List<Sse.Event> reasoning = post("[reasoning] hi");
        assertTrue(types(reasoning).contains("response.reasoning_text.delta"));
        List<Sse.Event> incomplete = post("[length] hi");
        assertEquals("max_output_tokens", incomplete.get(incomplete.size() - 1).data()
                .at("/response/incomplete_details/reason").asText());
        List<Sse.Event> failed = post("[fail] hi");
        assertEquals("response.failed", failed.get(failed.size() - 1).type());
    }

    @Test
    void webSocketModeSendsOneEventPerFrameAndTheErrorEnvelope() throws Exception {
        LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        WebSocket socket = HTTP.newWebSocketBuilder().buildAsync(
                URI.create(responses.url().replace("http", "ws") + "/responses"), new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            frames.add(partial.toString());
                            partial.setLength(0);
                        }
                        ws.request(1);
                        return CompletableFuture.completedFuture(null);
                    }
                }).get(10, TimeUnit.SECONDS);
        socket.sendText("{\"type\":\"response.create\",\"model\":\"fake-model\",\"store\":false,\"input\":\"[text] hi\"}", true);
        String id = null;
        for (int i = 0; ; i++) {
            JsonNode event = JSON.readTree(frames.poll(10, TimeUnit.SECONDS));
            assertEquals(i, event.path("sequence_number").asInt());
            validateWithSdk(event);
            if (event.path("type").asText().equals("response.completed")) {
                id = event.at("/response/id").asText();
                break;
            }
        }
        socket.sendText("{\"type\":\"response.create\",\"model\":\"fake-model\",\"store\":false,\"previous_response_id\":\"resp_gone\",\"input\":[]}", true);
        JsonNode error = JSON.readTree(frames.poll(10, TimeUnit.SECONDS));
        assertEquals("error", error.path("type").asText());
        assertEquals(400, error.path("status").asInt());
        assertEquals("invalid_request_error", error.at("/error/type").asText());
        assertEquals("previous_response_not_found", error.at("/error/code").asText());
        assertEquals("previous_response_id", error.at("/error/param").asText());
        socket.sendText("{\"type\":\"response.create\",\"model\":\"fake-model\",\"store\":false,\"previous_response_id\":\""
                + id + "\",\"input\":\"[text] again\"}", true);
        JsonNode created = JSON.readTree(frames.poll(10, TimeUnit.SECONDS));
        assertEquals("response.created", created.path("type").asText());
        assertEquals(id, created.at("/response/previous_response_id").asText());
        socket.abort();
    }

    @Test
    void theChatFakeStreamsValidChunks() throws Exception {
        FakeChatServer chat = new FakeChatServer();
        String url = chat.start().get("baton.upstream.url");
        try {
            for (String mode : List.of("[text] hi", "[tools] go", "[reasoning] hi", "[length] go")) {
                String body = JSON.createObjectNode().put("model", "fake-model").put("stream", true)
                        .set("messages", JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user").put("content", mode)))
                        .toString();
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/chat/completions"))
                        .header("content-type", "application/json").header("authorization", "Bearer sk-upstream")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                List<String> data = response.body().lines().filter(l -> l.startsWith("data: "))
                        .map(l -> l.substring(6)).toList();
                assertEquals("[DONE]", data.get(data.size() - 1), mode);
                for (String chunk : data.subList(0, data.size() - 1)) {
                    ObjectMappers.jsonMapper().readValue(chunk, ChatCompletionChunk.class).validate();
                }
            }
        } finally {
            chat.stop();
        }
    }
}
