package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An inference engine that charges what real engines charge, without a GPU: its costs are waited out on timers,
 * so it takes no CPU from the gateway it is measured against. One process serves every mode of the headline
 * benchmark ({@link Headline}); run as {@code CostEngine key=value…} ({@link Costs} names the keys).
 * <ul>
 *   <li>{@code POST /v1/chat/completions} (a text engine: vLLM's OpenAI server): the chat template rendered and the
 *   whole prompt tokenized on every request ({@code tokenize_ns} per token, the prompt's tokens counted as its
 *   characters over {@code chars_per_token}), then prefill for the tokens its prefix cache misses, then decode.</li>
 *   <li>{@code POST /v1/completions} with token ids (a token-in engine): no tokenizing; prefill and decode alike.</li>
 *   <li>{@code POST /v1/moderations}: {@code moderation_ms} per call plus {@code moderation_ms_per_kb} per KB of
 *   input, never flagged.</li>
 * </ul>
 * Prefill is charged only for what the prefix cache misses, as vLLM's automatic prefix caching does: token-id prompts
 * by blocks of {@value #BLOCK} tokens (a chain of block hashes), chat prompts by messages (a chain of message hashes),
 * which for append-only agent histories is the same prefix. Every reply is a short plan then one
 * {@code exec_command} call, decoded at {@code tokens_per_s}. The charges are kept per mode (set with
 * {@code POST /bench/mode?name=…}) and per agent turn — read from the {@code [step N]} marks the agents put at the head
 * of each tool output, or in token-id prompts counted by the template's tool-result tag — at
 * {@code GET /bench/charges}.
 */
public final class CostEngine {

    static final int BLOCK = 16;
    private static final int CACHE_ENTRIES = 2_000_000;
    private static final int TICK_MS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STEP = Pattern.compile("\\[step (\\d+)]");
    private static final String PLAN = ("I read the output of the last command and it narrows the failure down to one "
            + "module so I will run the next step of the plan and check what it prints before changing any file in "
            + "the repository because a careful agent verifies first and edits second and keeps the user informed "
            + "about what it found and what it will do next").replace(",", "");

    /** The engine's cost model; every value a {@code key=value} argument. */
    record Costs(double tokensPerSecond, double tokenizeNsPerToken, double charsPerToken, double prefillNsPerToken,
                 double ttftMs, double moderationMs, double moderationMsPerKb) {

        static Costs parse(String[] args) {
            Map<String, Double> values = new LinkedHashMap<>();
            for (String arg : args) {
                String[] pair = arg.split("=", 2);
                values.put(pair[0], Double.parseDouble(pair[1]));
            }
            return new Costs(values.get("tokens_per_s"), values.get("tokenize_ns"), values.get("chars_per_token"),
                    values.get("prefill_ns"), values.get("ttft_ms"), values.get("moderation_ms"),
                    values.get("moderation_ms_per_kb"));
        }

        /** @param toolResultIds the token ids of the chat template's tool-result tag (token-in prompts) */
        List<String> arguments(int port, int[] toolResultIds) {
            return List.of("port=" + port, "tool_result_ids=" + java.util.Arrays.stream(toolResultIds)
                    .mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(",")),
                    "tokens_per_s=" + tokensPerSecond, "tokenize_ns=" + tokenizeNsPerToken,
                    "chars_per_token=" + charsPerToken, "prefill_ns=" + prefillNsPerToken, "ttft_ms=" + ttftMs,
                    "moderation_ms=" + moderationMs, "moderation_ms_per_kb=" + moderationMsPerKb);
        }
    }

    /** What one turn of one mode was charged, summed over the agents that ran it. */
    static final class Charge {
        long requests;
        long promptTokens;
        long cachedTokens;
        double tokenizeMs;
        double prefillMs;
        double ttftMs;
        double decodeMs;
        long moderationCalls;
        double moderationMs;

        synchronized Map<String, Object> snapshot() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("requests", requests);
            out.put("prompt_tokens", promptTokens);
            out.put("cached_tokens", cachedTokens);
            out.put("tokenize_ms", tokenizeMs);
            out.put("prefill_ms", prefillMs);
            out.put("ttft_ms", ttftMs);
            out.put("decode_ms", decodeMs);
            out.put("moderation_calls", moderationCalls);
            out.put("moderation_ms", moderationMs);
            return out;
        }
    }

    private final Costs costs;
    private final int[] toolResultIds;
    private final Vertx vertx;
    /** Block or message hash chains seen (an LRU set): what a prompt finds here is already prefilled. */
    private final Map<Long, Boolean> prefixCache = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(1 << 16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                    return size() > CACHE_ENTRIES;
                }
            });
    private final Map<String, Map<Integer, Charge>> charges = new ConcurrentHashMap<>();
    private volatile String mode = "warm-up";
    private volatile double tokensPerSecond;

    private CostEngine(Costs costs, int[] toolResultIds, Vertx vertx) {
        this.costs = costs;
        this.toolResultIds = toolResultIds;
        this.tokensPerSecond = costs.tokensPerSecond();
        this.vertx = vertx;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0].substring("port=".length()));
        int[] toolResultIds = java.util.Arrays.stream(args[1].substring("tool_result_ids=".length()).split(","))
                .filter(id -> !id.isEmpty()).mapToInt(Integer::parseInt).toArray();
        Costs costs = Costs.parse(java.util.Arrays.copyOfRange(args, 2, args.length));
        Vertx vertx = Vertx.vertx();
        CostEngine engine = new CostEngine(costs, toolResultIds, vertx);
        vertx.createHttpServer().requestHandler(engine::handle).listen(port, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().join();
        System.out.println("cost engine listening on " + port + " with " + costs);
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        switch (path) {
            case "/v1/chat/completions" -> request.body().onSuccess(body -> chat(request, read(body.toString())));
            case "/v1/completions" -> request.body().onSuccess(body -> completion(request, read(body.toString())));
            case "/v1/moderations" -> request.body().onSuccess(body -> moderation(request, body.length(), body.toString()));
            case "/bench/mode" -> { // what the next requests are charged to, and at which output rate
                String rate = request.getParam("tokens_per_s");
                if (rate != null) {
                    tokensPerSecond = Double.parseDouble(rate);
                }
                mode = request.getParam("name");
                request.response().end(mode);
            }
            case "/bench/charges" -> request.response().putHeader("content-type", "application/json")
                    .end(chargesJson());
            case "/v1/models" -> request.response().putHeader("content-type", "application/json")
                    .end("{\"object\":\"list\",\"data\":[{\"id\":\"bench-agent\",\"object\":\"model\"}]}");
            default -> request.response().end("cost engine");
        }
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    private String chargesJson() {
        Map<String, Map<Integer, Map<String, Object>>> out = new LinkedHashMap<>();
        charges.forEach((name, turns) -> {
            Map<Integer, Map<String, Object>> byTurn = new java.util.TreeMap<>();
            turns.forEach((turn, charge) -> byTurn.put(turn, charge.snapshot()));
            out.put(name, byTurn);
        });
        try {
            return JSON.writeValueAsString(out);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Charge charge(int turn) {
        return charges.computeIfAbsent(mode, m -> new ConcurrentHashMap<>()).computeIfAbsent(turn, t -> new Charge());
    }

    /** The agent's turn: one more than the highest {@code [step N]} mark in {@code text} (its first turn has none). */
    private static int turnOf(String text) {
        Matcher step = STEP.matcher(text);
        int highest = 0;
        while (step.find()) {
            highest = Math.max(highest, Integer.parseInt(step.group(1)));
        }
        return highest + 1;
    }

    private void chat(HttpServerRequest request, JsonNode create) {
        List<Long> chain = new ArrayList<>();
        List<Long> tokensAt = new ArrayList<>();
        long hash = 17;
        long chars = create.path("tools").toString().length();
        StringBuilder all = new StringBuilder();
        for (JsonNode message : create.path("messages")) {
            String text = message.toString();
            all.append(text);
            hash = hash * 1_000_003L + text.hashCode() * 31L + text.length();
            chars += text.length() + 8; // the template's role markers
            chain.add(hash);
            tokensAt.add(Math.round(chars / costs.charsPerToken()));
        }
        long promptTokens = Math.round(chars / costs.charsPerToken());
        long cached = cachedPrefix(chain, tokensAt);
        double tokenizeMs = promptTokens * costs.tokenizeNsPerToken() / 1e6;
        int turn = turnOf(all.toString());
        generate(request, turn, promptTokens, cached, tokenizeMs, true);
    }

    private void completion(HttpServerRequest request, JsonNode create) {
        JsonNode prompt = create.path("prompt");
        if (!prompt.isArray() || prompt.isEmpty()) {
            request.response().setStatusCode(400).end("{\"error\":{\"message\":\"prompt must be token ids\"}}");
            return;
        }
        List<Long> chain = new ArrayList<>();
        List<Long> tokensAt = new ArrayList<>();
        long hash = 17;
        for (int i = 0; i + BLOCK <= prompt.size(); i += BLOCK) {
            for (int k = i; k < i + BLOCK; k++) {
                hash = hash * 1_000_003L + prompt.get(k).asInt();
            }
            chain.add(hash);
            tokensAt.add((long) i + BLOCK);
        }
        long cached = cachedPrefix(chain, tokensAt);
        // the agent's turn: the engine reads no text, so it counts the tool results the prompt holds (each turn
        // after the first answers one), by the token ids of the template's tool-result tag
        generate(request, occurrences(prompt, toolResultIds) + 1, prompt.size(), cached, 0, false);
    }

    private static int occurrences(JsonNode prompt, int[] sequence) {
        int count = 0;
        for (int start = 0; sequence.length > 0 && start + sequence.length <= prompt.size(); start++) {
            int k = 0;
            while (k < sequence.length && prompt.get(start + k).asInt() == sequence[k]) {
                k++;
            }
            if (k == sequence.length) {
                count++;
                start += k - 1;
            }
        }
        return count;
    }

    /** The tokens of the longest prefix already in the cache; every prefix of this prompt is then remembered. */
    private long cachedPrefix(List<Long> chain, List<Long> tokensAt) {
        long cached = 0;
        int i = 0;
        while (i < chain.size() && prefixCache.get(chain.get(i)) != null) {
            cached = tokensAt.get(i);
            i++;
        }
        for (; i < chain.size(); i++) {
            prefixCache.put(chain.get(i), Boolean.TRUE);
        }
        return cached;
    }

    private void generate(HttpServerRequest request, int turn, long promptTokens, long cached, double tokenizeMs,
                          boolean chat) {
        double prefillMs = (promptTokens - cached) * costs.prefillNsPerToken() / 1e6;
        double waitMs = tokenizeMs + prefillMs + costs.ttftMs();
        List<String> tokens = reply(turn, chat);
        double rate = tokensPerSecond;
        double decodeMs = tokens.size() * 1000.0 / rate;
        Charge charge = charge(turn);
        synchronized (charge) {
            charge.requests++;
            charge.promptTokens += promptTokens;
            charge.cachedTokens += cached;
            charge.tokenizeMs += tokenizeMs;
            charge.prefillMs += prefillMs;
            charge.ttftMs += costs.ttftMs();
            charge.decodeMs += decodeMs;
        }
        HttpServerResponse response = request.response().setChunked(true).putHeader("content-type", "text/event-stream");
        long started = System.nanoTime();
        vertx.setTimer(Math.max(1, Math.round(waitMs)), t -> {
            if (chat) {
                response.write(chatChunk(JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
            }
            decode(response, tokens, 0, System.nanoTime(), rate, promptTokens, cached, chat);
        });
    }

    /** Writes the tokens due by now at {@code tokens_per_s}, then waits a tick for the next ones. */
    private void decode(HttpServerResponse response, List<String> tokens, int from, long decodeStart, double rate,
                        long promptTokens, long cached, boolean chat) {
        if (response.closed()) {
            return;
        }
        double elapsedS = (System.nanoTime() - decodeStart) / 1e9;
        int due = Math.min(tokens.size(), Math.max(from + 1, (int) (elapsedS * rate)));
        int textEnd = chat ? tokens.size() - 1 : tokens.size(); // a chat reply's last token is its tool call
        StringBuilder text = new StringBuilder();
        for (int i = from; i < Math.min(due, textEnd); i++) {
            text.append(tokens.get(i));
        }
        if (!text.isEmpty()) {
            response.write(chat ? chatChunk(JSON.createObjectNode().put("content", text.toString()), null)
                    : "data: " + JSON.createObjectNode().put("object", "text_completion").set("choices",
                    JSON.createArrayNode().add(JSON.createObjectNode().put("index", 0).put("text", text.toString())
                            .putNull("finish_reason"))) + "\n\n");
        }
        if (due < tokens.size()) {
            vertx.setTimer(TICK_MS, t -> decode(response, tokens, due, decodeStart, rate, promptTokens, cached, chat));
            return;
        }
        if (chat) {
            ObjectNode delta = JSON.createObjectNode();
            ObjectNode call = delta.putArray("tool_calls").addObject().put("index", 0).put("id", "call_" + System.nanoTime())
                    .put("type", "function");
            call.putObject("function").put("name", "exec_command").put("arguments", tokens.get(tokens.size() - 1));
            response.write(chatChunk(delta, null));
            response.write(chatChunk(JSON.createObjectNode(), "tool_calls"));
        } else {
            response.write("data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"\","
                    + "\"finish_reason\":\"stop\"}]}\n\n");
        }
        String usage = "{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + tokens.size()
                + ",\"total_tokens\":" + (promptTokens + tokens.size()) + ",\"prompt_tokens_details\":{\"cached_tokens\":"
                + cached + "}}";
        response.write("data: {\"object\":\"" + (chat ? "chat.completion.chunk" : "text_completion")
                + "\",\"choices\":[],\"usage\":" + usage + "}\n\n");
        response.end("data: [DONE]\n\n");
    }

    private static String chatChunk(ObjectNode delta, String finishReason) {
        ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-cost").put("object", "chat.completion.chunk")
                .put("created", 1).put("model", "bench-agent");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return "data: " + chunk + "\n\n";
    }

    /**
     * The reply of turn {@code turn} as tokens (a word is a token): the plan, then the call. For a chat reply the last
     * token is the call's arguments; for a token-in reply the call is Hermes text ({@code <tool_call>…</tool_call>}).
     */
    private static List<String> reply(int turn, boolean chat) {
        List<String> tokens = new ArrayList<>();
        for (String word : (PLAN + " " + PLAN).split(" ")) { // ~125 tokens, as an agent's step
            tokens.add(tokens.isEmpty() ? word : " " + word);
        }
        String arguments = "{\"cmd\": \"make step-" + turn + "\"}";
        if (chat) {
            tokens.add(arguments);
        } else {
            tokens.add("\n<tool_call>\n");
            tokens.add("{\"name\": \"exec_command\", \"arguments\": " + arguments + "}");
            tokens.add("\n</tool_call>");
        }
        return tokens;
    }

    private void moderation(HttpServerRequest request, int bytes, String body) {
        double ms = costs.moderationMs() + costs.moderationMsPerKb() * bytes / 1024.0;
        Charge charge = charge(turnOf(body));
        synchronized (charge) {
            charge.moderationCalls++;
            charge.moderationMs += ms;
        }
        JsonNode input = read(body).path("input");
        int results = input.isArray() ? input.size() : 1;
        StringBuilder answer = new StringBuilder("{\"id\":\"modr-cost\",\"model\":\"cost-moderation\",\"results\":[");
        for (int i = 0; i < results; i++) {
            answer.append(i == 0 ? "" : ",").append("{\"flagged\":false,\"categories\":{},\"category_scores\":{}}");
        }
        String json = answer.append("]}").toString();
        vertx.setTimer(Math.max(1, Math.round(ms)), t -> request.response().putHeader("content-type", "application/json")
                .end(json));
    }
}
