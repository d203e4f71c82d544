package dev.baton.ws;

import static dev.baton.ws.WebSocketModeTest.completed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Replays the frames Codex CLI 0.169.0 sends over WebSocket (PROTOCOL.md Part A.14) and checks what it needs back. */
@QuarkusTest
class CodexReplayTest {

    @TestHTTPResource("/")
    URL root;

    private static final Map<String, String> HANDSHAKE = Map.of(
            "authorization", "Bearer sk-codex",
            "openai-beta", "responses_websockets=2026-02-06",
            "originator", "codex_cli_rs",
            "session-id", "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            "thread-id", "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
            "x-client-request-id", "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d",
            "x-codex-beta-features", "responses_websocket_response_processed",
            "x-codex-turn-metadata", "{\"turn_id\":\"1\"}",
            "x-codex-window-id", "w-1");

    private static final String TOOLS = """
            [{"type":"function","name":"exec_command","description":"Runs a command","strict":false,
              "parameters":{"type":"object","properties":{"cmd":{"type":"string"}},"required":["cmd"],"additionalProperties":false}},
             {"type":"function","name":"write_stdin","strict":false,"parameters":{"type":"object","properties":{}}},
             {"type":"function","name":"request_user_input","strict":false,"parameters":{"type":"object","properties":{}}},
             {"type":"function","name":"view_image","strict":false,"parameters":{"type":"object","properties":{"path":{"type":"string"}}}},
             {"type":"function","name":"get_goal","strict":false,"parameters":{"type":"object","properties":{}}},
             {"type":"function","name":"create_goal","strict":false,"parameters":{"type":"object","properties":{}}},
             {"type":"function","name":"update_goal","strict":false,"parameters":{"type":"object","properties":{}}},
             {"type":"namespace","name":"multi_agent_v1","description":"Sub-agents",
              "tools":[{"type":"function","name":"spawn_agent","strict":false,"parameters":{"type":"object","properties":{}}}]},
             {"type":"web_search"}]""";

    private static String warmUp(String developerText) {
        return """
                {"type":"response.create","model":"gpt-5.5-codex","instructions":null,"generate":false,"store":false,
                 "stream":true,"include":["reasoning.encrypted_content"],"reasoning":{"effort":"medium","summary":"auto"},
                 "tool_choice":"auto","parallel_tool_calls":true,"prompt_cache_key":"0199a1b2-c3d4-7e5f",
                 "client_metadata":{"installation_id":"abc","session_source":"cli"},
                 "input":[{"type":"message","role":"developer","content":[{"type":"input_text","text":%s}]}],
                 "tools":%s}""".formatted(quote(developerText), TOOLS);
    }

    private static String followUp(String previousId) {
        return """
                {"type":"response.create","model":"gpt-5.5-codex","previous_response_id":"%s","store":false,"stream":true,
                 "include":["reasoning.encrypted_content"],"reasoning":{"effort":"medium","summary":"auto"},
                 "tool_choice":"auto","parallel_tool_calls":true,"prompt_cache_key":"0199a1b2-c3d4-7e5f",
                 "client_metadata":{"installation_id":"abc","session_source":"cli"},
                 "input":[
                   {"type":"message","id":"msg_codex_dev_2","role":"developer","content":[{"type":"input_text","text":"<permissions>workspace-write</permissions>"}]},
                   {"type":"message","id":"msg_codex_user_1","role":"user","content":[{"type":"input_text","text":"<environment_context>cwd=/repo</environment_context>"}]},
                   {"type":"message","id":"msg_codex_user_2","role":"user","content":[{"type":"input_text","text":"Fix the failing test."}]}],
                 "tools":%s}""".formatted(previousId, TOOLS);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    @Test
    void servesCodexWarmUpThenIncrementalTurn() {
        String developer = "You are Codex, a coding agent.\n".repeat(560); // ~17k characters, as Codex sends
        try (WsClient ws = WsClient.connect(root, HANDSHAKE)) {
            ws.send(warmUp(developer));
            List<JsonNode> warm = ws.untilTerminal();
            assertEquals(List.of("response.created", "response.in_progress", "response.completed"),
                    warm.stream().map(f -> f.get("type").asText()).toList());
            JsonNode warmResponse = completed(warm);
            assertEquals(0, warmResponse.get("output").size());
            assertEquals("web_search", warmResponse.at("/tools/8/type").asText());
            assertEquals("multi_agent_v1", warmResponse.at("/tools/7/name").asText());
            ws.send(Map.of("type", "response.processed", "response_id", warmResponse.get("id").asText()));

            ws.send(followUp(warmResponse.get("id").asText()));
            List<JsonNode> turn = ws.untilTerminal();
            JsonNode response = completed(turn);
            assertEquals(warmResponse.get("id").asText(), response.get("previous_response_id").asText());
            assertTrue(response.at("/output/0/content/0/text").asText().contains("Fix the failing test."));
            assertTrue(response.at("/usage/input_tokens").asInt() > 3000, "the warm-up's developer message is in context");
            assertEquals(turn.get(2).at("/item/id"), response.at("/output/0/id"));
            ws.send(Map.of("type", "response.processed", "response_id", response.get("id").asText()));

            // Codex's next turn continues from the previous one with only new items again
            ws.send(followUp(response.get("id").asText()));
            assertTrue(completed(ws.untilTerminal()).at("/output/0/content/0/text").asText().startsWith("Simulated reply #2"));
        }
    }

    @Test
    void aCodexContinuationOnAFreshSocketGetsPreviousResponseNotFound() {
        String warmId;
        try (WsClient ws = WsClient.connect(root, HANDSHAKE)) {
            ws.send(warmUp("You are Codex."));
            warmId = completed(ws.untilTerminal()).get("id").asText();
        }
        try (WsClient ws = WsClient.connect(root, HANDSHAKE)) {
            ws.send(followUp(warmId));
            JsonNode error = ws.next();
            assertEquals("error", error.get("type").asText());
            assertEquals(400, error.get("status").asInt());
            assertEquals("previous_response_not_found", error.at("/error/code").asText());
        }
    }
}
