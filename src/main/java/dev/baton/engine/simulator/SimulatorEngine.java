package dev.baton.engine.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.baton.config.BatonConfig;
import dev.baton.engine.Engine;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineRequest;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.render.ContextFingerprint;
import dev.baton.render.RenderedContext;
import dev.baton.render.TokenCounter;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The embedded engine: a deterministic stand-in for an LLM server. Its output depends only on the
 * context it receives (so equal contexts give equal replies), it counts real {@code o200k_base}
 * tokens, and it models latency: time to first token, a prefill cost for every prompt token that
 * misses its prefix cache, and a steady output rate. Replies and scripts are labelled as simulated.
 */
@ApplicationScoped
@Typed(SimulatorEngine.class)
public class SimulatorEngine implements Engine {

    public static final String NAME = "simulator";
    public static final String DEFAULT_MODEL = "baton-simulator";

    /** Output is released in ticks of this length, so fast rates do not need a timer per token. */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private static final String[] WORDS = {"the", "agent", "reads", "a", "file", "and", "then", "runs", "tests",
            "quickly", "while", "the", "gateway", "keeps", "state", "near", "its", "socket", "so", "each", "turn",
            "sends", "only", "new", "input", "tokens", "stream", "back", "fast", "context", "cache", "hits"};

    private final Vertx vertx;
    private final BatonConfig.Simulator config;
    private final SimulatorScript script;
    private final Cache<ByteBuffer, Long> prefixCache;
    private final int inlineMaxBytes;

    public SimulatorEngine(Vertx vertx, BatonConfig config, ObjectMapper json) {
        this.vertx = vertx;
        this.config = config.simulator();
        this.script = this.config.script().map(file -> SimulatorScript.load(Path.of(file), json))
                .orElse(SimulatorScript.NONE);
        this.prefixCache = Caffeine.newBuilder().maximumSize(this.config.prefixCacheEntries())
                .executor(Runnable::run).build(); // upkeep on the writer's thread: no pool thread woken per turn
        this.inlineMaxBytes = config.render().inlineMaxBytes();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> models() {
        List<String> models = new ArrayList<>();
        models.add(DEFAULT_MODEL);
        script.scenarios().keySet().stream().filter(name -> !name.equals("default")).sorted().forEach(models::add);
        return models;
    }

    @Override
    public Multi<EngineEvent> stream(EngineRequest request) {
        return Multi.createFrom().deferred(() -> {
            long start = System.nanoTime();
            String fingerprint = request.fingerprint();
            SimulatorScript.Turn turn = scriptedTurn(request);
            String lastUser = lastUserText(request.context());
            List<Output> outputs = honourToolChoice(request,
                    lastUser != null && lastUser.startsWith(CompactionItem.DEFAULT_PROMPT)
                            ? List.of(new Output(null, summaryOf(request.context())))
                            : turn == null ? List.of(new Output(null, generatedText(request, fingerprint)))
                            : scriptedOutputs(turn, request, fingerprint), fingerprint);
            Uni<Plan> plan = Uni.createFrom().item(() -> plan(request, outputs));
            if (outputs.stream().mapToLong(output -> output.text().length()).sum() * 2 > inlineMaxBytes) {
                plan = plan.runSubscriptionOn(Infrastructure.getDefaultWorkerPool()); // tokenizing a long reply
            }
            return plan.onItem().transformToMulti(ready -> Multi.createFrom().iterable(ready.ticks()))
                    .onItem().transformToMultiAndConcatenate(tick -> delayUntil(start + tick.dueNanos())
                            .onItem().transformToMulti(ignored -> Multi.createFrom().iterable(tick.events())));
        });
    }

    private Plan plan(EngineRequest request, List<Output> outputs) {
        long promptTokens = preambleTokens(request) + request.context().tokens();
        long cachedTokens = cachedPrefixTokens(request, promptTokens);

        long budget = request.maxOutputTokens() == null ? Long.MAX_VALUE : request.maxOutputTokens();
        long firstTokenNanos = TimeUnit.MILLISECONDS.toNanos(config.ttftMs())
                + (long) ((promptTokens - cachedTokens) * config.prefillMicrosPerToken() * 1_000);
        double nanosPerToken = config.tokensPerSecond() <= 0 ? 0 : 1e9 / config.tokensPerSecond();

        Timeline timeline = new Timeline();
        long emitted = 0;
        String stopReason = null;
        for (Output output : outputs) {
            if (emitted >= budget) {
                stopReason = "max_output_tokens";
                break;
            }
            timeline.add(firstTokenNanos + (long) (emitted * nanosPerToken), output.started());
            IntArrayList tokens = TokenCounter.encode(output.text());
            List<String> pieces = decodeTokens(tokens);
            for (String piece : pieces) {
                if (emitted >= budget) {
                    stopReason = "max_output_tokens";
                    break;
                }
                timeline.add(firstTokenNanos + (long) (emitted * nanosPerToken), output.delta(piece));
                emitted++;
            }
            timeline.add(firstTokenNanos + (long) (emitted * nanosPerToken), new EngineEvent.ItemDone());
        }
        timeline.add(firstTokenNanos + (long) (emitted * nanosPerToken),
                new EngineEvent.Finished(promptTokens, cachedTokens, emitted, 0, stopReason));
        return new Plan(timeline.ticks());
    }

    /**
     * Tokens of instructions and tools. An agent resends the same ones every turn, so the count is
     * remembered in the prefix cache under the preamble digest (distinct from every prefix key unless
     * SHA-256 collides) instead of being re-tokenized on every turn.
     */
    private long preambleTokens(EngineRequest request) {
        return prefixCache.get(ByteBuffer.wrap(request.preambleDigest()),
                key -> TokenCounter.count(request.instructions()) + toolTokens(request));
    }

    private long toolTokens(EngineRequest request) {
        long tokens = 0;
        for (var tool : request.tools()) {
            tokens += TokenCounter.count(tool.toString());
        }
        return tokens;
    }

    /**
     * Finds the longest prompt prefix seen before (instructions + tools + the first n items), then
     * remembers this prompt and every prefix of it down to that hit — as an engine's block-level prefix
     * cache does, so a fork from a cached parent hits too. The walk stops at the first hit, so a
     * continuation costs O(new items).
     */
    private long cachedPrefixTokens(EngineRequest request, long promptTokens) {
        long preambleTokens = promptTokens - request.context().tokens();
        long cached = 0;
        for (RenderedContext node = request.context(); node.size() > 0; node = node.previous()) {
            ByteBuffer key = key(request, node);
            if (prefixCache.getIfPresent(key) != null) {
                cached = preambleTokens + node.tokens();
                break;
            }
            prefixCache.put(key, preambleTokens + node.tokens());
        }
        return cached;
    }

    private static ByteBuffer key(EngineRequest request, RenderedContext node) {
        return ByteBuffer.wrap(ContextFingerprint.combine(request.preambleDigest(), node));
    }

    private SimulatorScript.Turn scriptedTurn(EngineRequest request) {
        SimulatorScript.Scenario scenario = script.scenarioFor(request.model());
        return scenario == null ? null : scenario.turn(request.context().modelTurns());
    }

    private List<Output> scriptedOutputs(SimulatorScript.Turn turn, EngineRequest request, String fingerprint) {
        List<Output> outputs = new ArrayList<>();
        int turnNumber = request.context().modelTurns() + 1;
        if (turn.text() != null) {
            outputs.add(new Output(null, substitute(turn.text(), fingerprint, turnNumber)));
        }
        int maxCalls = request.parallelToolCalls() ? Integer.MAX_VALUE : 1;
        if (request.maxToolCalls() != null) {
            maxCalls = Math.min(maxCalls, request.maxToolCalls());
        }
        for (int i = 0; i < turn.functionCalls().size() && i < maxCalls; i++) {
            SimulatorScript.Call call = turn.functionCalls().get(i);
            String callId = "call_" + fingerprint.substring(0, 24) + "_" + i;
            outputs.add(new Output(new EngineEvent.FunctionCallStarted(callId, call.name()),
                    substitute(call.arguments(), fingerprint, turnNumber)));
        }
        return outputs;
    }

    /**
     * {@code tool_choice: "required"} or a named function makes the reply a call, as a model constrained that way
     * answers: the named function (or the first function tool) with arguments that fill its schema's required
     * properties. A reply that already calls the required tool is kept.
     */
    private static List<Output> honourToolChoice(EngineRequest request, List<Output> outputs, String fingerprint) {
        JsonNode choice = request.toolChoice();
        String named = choice != null && choice.isObject() && "function".equals(choice.path("type").asText())
                ? choice.path("name").asText(null) : null;
        boolean required = named != null || choice != null && choice.isTextual() && "required".equals(choice.textValue());
        if (!required) {
            return outputs;
        }
        JsonNode tool = null;
        for (JsonNode candidate : request.tools()) {
            if ("function".equals(candidate.path("type").asText())
                    && (named == null || named.equals(candidate.path("name").asText()))) {
                tool = candidate;
                break;
            }
        }
        if (tool == null) {
            return outputs; // no function tool to call: the request's validation answers what it lacks
        }
        String name = tool.path("name").asText();
        for (Output output : outputs) {
            if (output.call() != null && output.call().name().equals(name)) {
                return outputs;
            }
        }
        String callId = "call_" + fingerprint.substring(0, 24) + "_0";
        return List.of(new Output(new EngineEvent.FunctionCallStarted(callId, name), argumentsFor(tool.path("parameters"))));
    }

    /** A JSON object giving each required property of {@code schema} a value of its type. */
    private static String argumentsFor(JsonNode schema) {
        com.fasterxml.jackson.databind.node.ObjectNode arguments =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (JsonNode property : schema.path("required")) {
            JsonNode type = schema.path("properties").path(property.asText()).path("type");
            String kind = type.isArray() && type.size() > 0 ? type.get(0).asText() : type.asText("string");
            switch (kind) {
                case "integer", "number" -> arguments.put(property.asText(), 1);
                case "boolean" -> arguments.put(property.asText(), true);
                case "array" -> arguments.putArray(property.asText());
                case "object" -> arguments.putObject(property.asText());
                case "null" -> arguments.putNull(property.asText());
                default -> arguments.put(property.asText(), "simulated");
            }
        }
        return arguments.toString();
    }

    private String generatedText(EngineRequest request, String fingerprint) {
        SplittableRandom random = new SplittableRandom(Long.parseUnsignedLong(fingerprint.substring(0, 15), 16));
        StringBuilder text = new StringBuilder("Simulated reply #").append(request.context().modelTurns() + 1);
        String lastUser = lastUserText(request.context());
        if (lastUser != null) {
            text.append(" to \"").append(lastUser.length() > 40 ? lastUser.substring(0, 40) + "…" : lastUser)
                    .append('"');
        }
        text.append(':');
        for (int i = 0; i < config.replyWords(); i++) {
            text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
        }
        return text.append(". [context ").append(fingerprint).append(']').toString();
    }

    /**
     * The simulator's answer to a compaction request: deterministic, so tests can check what a summary carried — every
     * earlier user message (its first 60 characters) in order, an earlier summary whole.
     */
    private static String summaryOf(RenderedContext context) {
        List<String> said = new ArrayList<>();
        for (Item item : context.items()) {
            if (item instanceof CompactionItem compaction) {
                said.add("[" + compaction.summary() + "]");
            } else if (item instanceof MessageItem message && "user".equals(message.role())
                    && !message.text().startsWith(CompactionItem.DEFAULT_PROMPT)) {
                String text = message.text().strip();
                said.add(text.length() > 60 ? text.substring(0, 60) + "…" : text);
            }
        }
        return "Summary of " + said.size() + " user messages: " + String.join(" | ", said);
    }

    private static String lastUserText(RenderedContext context) {
        for (RenderedContext node = context; node.size() > 0; node = node.previous()) {
            Item item = node.last() instanceof CompactionItem compaction ? compaction.asUserMessage() : node.last();
            if (item instanceof MessageItem message && "user".equals(message.role())) {
                return message.text().strip();
            }
        }
        return null;
    }

    private static String substitute(String template, String fingerprint, int turn) {
        return template.replace("{fingerprint}", fingerprint).replace("{turn}", Integer.toString(turn));
    }

    /** Splits tokens into text pieces; a piece grows until its bytes are whole UTF-8 characters. */
    private static List<String> decodeTokens(IntArrayList tokens) {
        List<String> pieces = new ArrayList<>(tokens.size());
        IntArrayList pending = new IntArrayList();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        for (int i = 0; i < tokens.size(); i++) {
            pending.add(tokens.get(i));
            try {
                pieces.add(decoder.decode(ByteBuffer.wrap(TokenCounter.decodeBytes(pending))).toString());
                pending.clear();
            } catch (CharacterCodingException partial) {
                // a multi-byte character continues in the next token
            }
        }
        if (!pending.isEmpty()) {
            pieces.add(new String(TokenCounter.decodeBytes(pending), StandardCharsets.UTF_8));
        }
        return pieces;
    }

    private Uni<Void> delayUntil(long dueNanoTime) {
        long delayMillis = TimeUnit.NANOSECONDS.toMillis(dueNanoTime - System.nanoTime());
        if (delayMillis <= 0) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().emitter(emitter -> {
            long timer = vertx.setTimer(delayMillis, id -> emitter.complete(null));
            emitter.onTermination(() -> vertx.cancelTimer(timer));
        });
    }

    /** One output item to stream: a message ({@code call == null}) or a function call. */
    private record Output(EngineEvent.FunctionCallStarted call, String text) {
        EngineEvent started() {
            return call == null ? new EngineEvent.MessageStarted() : call;
        }

        EngineEvent delta(String piece) {
            return call == null ? new EngineEvent.TextDelta(piece) : new EngineEvent.ArgumentsDelta(piece);
        }
    }

    private record Tick(long dueNanos, List<EngineEvent> events) {
    }

    private record Plan(List<Tick> ticks) {
    }

    /** Groups timed events into ticks of {@link #TICK_NANOS}. */
    private static final class Timeline {
        private final List<Tick> ticks = new ArrayList<>();

        void add(long dueNanos, EngineEvent event) {
            Tick last = ticks.isEmpty() ? null : ticks.get(ticks.size() - 1);
            if (last != null && dueNanos - last.dueNanos() < TICK_NANOS) {
                last.events().add(event);
                return;
            }
            List<EngineEvent> events = new ArrayList<>();
            events.add(event);
            ticks.add(new Tick(dueNanos, events));
        }

        List<Tick> ticks() {
            return ticks;
        }
    }
}
