package dev.baton.turn;

import dev.baton.config.BatonConfig;
import dev.baton.config.Offload;
import dev.baton.engine.Engine;
import dev.baton.engine.EngineRequest;
import dev.baton.compaction.CompactionSeal;
import dev.baton.compaction.Summarizer;
import dev.baton.limits.TurnAdmission;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.Item;
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.FunctionCallOutputItem;
import dev.baton.protocol.ItemReference;
import dev.baton.protocol.RequestParser;
import dev.baton.protocol.ResponseObject;
import dev.baton.events.UsageEvent;
import dev.baton.events.UsageEvents;
import dev.baton.render.ContextFingerprint;
import dev.baton.render.RenderedContext;
import dev.baton.safety.SafetyStage;
import dev.baton.session.Affinity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import dev.baton.session.ChainStore;
import dev.baton.session.Ids;
import dev.baton.session.PrefixIndex;
import dev.baton.session.StoredResponse;
import dev.baton.session.TenantId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one path every turn takes, whatever the transport: resolve the parent state, resolve and
 * render only the new input onto the parent's context, run the engine, translate its events, and
 * persist the finished response before announcing it. The safety stage screens the new items between
 * resolving and rendering them (docs/safety.md).
 */
@ApplicationScoped
public class TurnPipeline {

    private final ChainStore store;
    private final PrefixIndex prefixes;
    private final SafetyStage safety;
    private final Engine engine;
    private final MeterRegistry metrics;
    private final Timer prepareTimer;
    private final TurnRun.Services services;
    private final Tracer tracer;
    private final BatonConfig.Limits limits;
    private final TurnAdmission admission;
    private final CompactionSeal seal;
    private final Summarizer summarizer;
    private final Counter thresholdCompactions;
    private final Counter triggeredCompactions;

    private final Offload offload;

    @Inject
    public TurnPipeline(ChainStore store, PrefixIndex prefixes, SafetyStage safety, Engine engine, UsageEvents usage,
                        Tracer tracer, MeterRegistry metrics, Offload offload, BatonConfig config, TurnAdmission admission,
                        CompactionSeal seal, Summarizer summarizer) {
        this(store, prefixes, safety, engine, usage, tracer, metrics, offload, config.limits(), admission, seal,
                summarizer);
    }

    public TurnPipeline(ChainStore store, PrefixIndex prefixes, SafetyStage safety, Engine engine, UsageEvents usage,
                        Tracer tracer, MeterRegistry metrics, Offload offload, BatonConfig.Limits limits,
                        TurnAdmission admission, CompactionSeal seal, Summarizer summarizer) {
        this.seal = seal;
        this.summarizer = summarizer;
        this.thresholdCompactions = Counter.builder("baton_compactions_total").tag("trigger", "context_management")
                .description("Turns that compacted their conversation: it passed their threshold, or they asked")
                .register(metrics);
        this.triggeredCompactions = Counter.builder("baton_compactions_total").tag("trigger", "compaction_trigger")
                .description("Turns that compacted their conversation: it passed their threshold, or they asked")
                .register(metrics);
        this.admission = admission;
        this.limits = limits;
        this.tracer = tracer;
        this.store = store;
        this.prefixes = prefixes;
        this.safety = safety;
        this.offload = offload;
        this.engine = engine;
        this.metrics = metrics;
        this.prepareTimer = Timer.builder("baton_turn_prepare_seconds")
                .description("Gateway work before the engine starts: state lookup, input resolution, rendering")
                .register(metrics);
        this.services = new TurnRun.Services(store, prefixes, engine, new TurnMetrics(metrics), usage);
    }

    /**
     * Prepares a turn. Fails with an {@link dev.baton.protocol.ApiException} for request-level
     * errors (unknown or non-continuable {@code previous_response_id}, bad item references).
     *
     * @param parent    the parent the transport already holds (a connection slot), or {@code null}
     *                  to resolve {@code previous_response_id} through the shared tiers
     * @param transport {@link UsageEvent#HTTP}, {@link UsageEvent#SSE} or {@link UsageEvent#WEBSOCKET}, for usage events
     */
    public Uni<Turn> prepare(TenantId tenant, CreateResponseRequest request, StoredResponse parent, String transport) {
        return admission.admit(tenant).flatMap(ticket -> prepareAdmitted(tenant, request, parent, transport)
                .map(turn -> new Turn(turn.response(), turn.fingerprint(), turn.traceId(),
                        turn.steps().onTermination().invoke(ticket::release), ticket::release, turn.steering()))
                .onFailure().invoke(ticket::release));
    }

    private Uni<Turn> prepareAdmitted(TenantId tenant, CreateResponseRequest sent, StoredResponse parent,
                                      String transport) {
        long started = System.nanoTime();
        List<Item> sentInput = sent.input();
        boolean compactNow = !sentInput.isEmpty() && RequestParser.isCompactionTrigger(sentInput.get(sentInput.size() - 1));
        if (compactNow && !sent.generate()) {
            return Uni.createFrom().failure(ApiError.invalidRequest("generate", "invalid_value",
                    "A 'compaction_trigger' needs the engine: it cannot be sent with 'generate': false.").exception());
        }
        CreateResponseRequest request = compactNow ? sent.withInput(sentInput.subList(0, sentInput.size() - 1)) : sent;
        if (request.input().size() > limits.maxInputItems()) {
            return Uni.createFrom().failure(ApiError.invalidRequest("input", "too_many_items", "The input has "
                    + request.input().size() + " items; at most " + limits.maxInputItems()
                    + " are accepted (BATON_LIMITS_MAX_INPUT_ITEMS).").exception());
        }
        if (request.generate() && !engine.serves(request.model())) {
            return Uni.createFrom().failure(ApiError.invalidRequest("model", "model_not_found",
                    "The model '" + request.model() + "' does not exist or is not served by this gateway.").exception());
        }
        Context caller = Vertx.currentContext();
        // rendering a large input (ids, digests, token counts) is CPU work: the offload rule decides where it runs
        long bytes = inputBytes(request);
        TurnTrace trace = TurnTrace.start(tracer, transport, request.model());
        Span state = trace.stage("baton.state");
        return resolveParent(tenant, request, parent)
                .flatMap(found -> offload.run(bytes, caller, () -> resolve(tenant, request, found, compactNow)))
                .onTermination().invoke(state::end)
                .flatMap(resolved -> {
                    Span screening = trace.stage("baton.safety");
                    // pattern scans read every character of the new input: the offload rule decides where they run
                    return offload.defer(bytes, caller,
                                    () -> safety.screen(tenant, resolved.tail(), resolved.origin().base(), caller))
                            .onTermination().invoke(screening::end)
                            .flatMap(screened -> offload.run(bytes, caller, () -> {
                                Turn turn = start(tenant, request, resolved.parent(), resolved, screened, transport,
                                        trace, started);
                                prepareTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                                return turn;
                            }));
                })
                .onFailure().invoke(trace::refused);
    }

    private static long inputBytes(CreateResponseRequest request) {
        long bytes = request.instructions() == null ? 0 : 2L * request.instructions().length();
        for (Item item : request.input()) {
            bytes += item.estimatedBytes();
        }
        return bytes;
    }

    private Uni<StoredResponse> resolveParent(TenantId tenant, CreateResponseRequest request, StoredResponse held) {
        String parentId = request.previousResponseId();
        if (parentId == null) {
            return Uni.createFrom().nullItem();
        }
        if (held != null && held.id().equals(parentId) && held.tenant().equals(tenant)) {
            return Uni.createFrom().item(held);
        }
        return store.load(tenant, parentId).map(found -> {
            if (found == null || found.context() == null) {
                throw ApiError.previousResponseNotFound(parentId).exception();
            }
            return found;
        });
    }

    /**
     * A turn's parent, what it builds on, its new items with references resolved (before safety), and whether it
     * ended with a {@code compaction_trigger}.
     */
    private record Resolved(StoredResponse parent, Origin origin, List<Item> tail, boolean compactNow) {
    }

    private Resolved resolve(TenantId tenant, CreateResponseRequest request, StoredResponse parent, boolean compactNow) {
        Origin origin = origin(tenant, request, parent);
        int skipped = origin.ownBase();
        List<Item> tail = resolveInput(request.input().subList(skipped, request.input().size()), origin.base(), skipped);
        requireCalls(tail, origin.base(), skipped);
        // every compaction item the turn's context will hold must open: sent now, sent again (a matched full resend),
        // or in the stored conversation it continues — never a turn that silently lacks a summarized history
        seal.verify(tenant, request.input().subList(0, skipped), 0);
        seal.verify(tenant, tail, skipped);
        if (parent != null && parent.context() != null) {
            seal.verifyHistory(tenant, parent.context(), parent.id());
        }
        return new Resolved(parent, origin, tail, compactNow);
    }

    private Turn start(TenantId tenant, CreateResponseRequest request, StoredResponse parent, Resolved resolved,
                       SafetyStage.Screened screened, String transport, TurnTrace trace, long startedNanos) {
        Origin origin = resolved.origin();
        RenderedContext base = origin.base();
        List<Item> tail = screened.items(); // redacted where a classifier asked: the engine and storage see only that
        RenderedContext context = base.append(tail);
        Integer threshold = request.compactThreshold();
        boolean compacting = resolved.compactNow()
                || request.generate() && threshold != null && context.tokens() > threshold;
        if (resolved.compactNow() && context.size() == 0) {
            throw ApiError.invalidRequest("input", "invalid_value",
                    "Nothing to compact: the 'compaction_trigger' follows no conversation.").exception();
        }
        if (!compacting && limits.maxContextTokens() > 0 && context.tokens() > limits.maxContextTokens()) {
            throw ApiError.invalidRequest("input", "context_length_exceeded", "The conversation would reach "
                    + context.tokens() + " tokens; this gateway accepts at most " + limits.maxContextTokens()
                    + " (BATON_LIMITS_MAX_CONTEXT_TOKENS). Start a new conversation or compact this one.").exception();
        }
        byte[] preamble = ContextFingerprint.preamble(request.instructions(), request.tools());
        ResponseObject response = Settings.inProgress(Ids.response(), request);
        if (screened.verdicts() != null) {
            response = response.toBuilder().batonSafety(screened.verdicts()).build();
        }
        Affinity inherited = origin.affinity();
        String affinityKey = request.promptCacheKey() != null ? request.promptCacheKey()
                : inherited != null ? inherited.key() : response.id();
        String homeEndpoint = inherited == null ? null : inherited.endpoint();
        EngineRequest.ChainPosition position = new EngineRequest.ChainPosition(response.id(),
                origin.parentId(), tail.size(), affinityKey, homeEndpoint);
        EngineRequest engineRequest = new EngineRequest(request.model(), request.instructions(), request.tools(),
                request.toolChoice(), context, preamble, request.maxOutputTokens(), request.maxToolCalls(),
                request.parallelToolCalls() == null || request.parallelToolCalls(), request.temperature(),
                request.topP(), request.presencePenalty(), request.frequencyPenalty(), request.promptCacheKey(), request.reasoning(), request.text(), request.include(),
                position);
        List<Item> input = origin.baseIsInput() ? concat(base.items(), tail) : tail;
        int depth = parent == null ? 1 : parent.depth() + 1;
        TurnCompaction compaction = null;
        if (compacting) {
            seal.requireKey(); // before the engine writes a summary nobody could seal
            // the engine summarizes the whole conversation, this turn's input included; the turn then runs on the
            // window (the newest user messages, the input, the compaction item) as the root of a new chain
            EngineRequest summary = engineRequest.summarizing(summarizer.request(context), new EngineRequest.ChainPosition(
                    Ids.response(), origin.parentId(), tail.size() + 1, affinityKey, homeEndpoint));
            List<Item> kept = Summarizer.userMessages(base.items(), threshold == null ? Long.MAX_VALUE : threshold / 2);
            input = concat(kept, tail);
            base = RenderedContext.EMPTY;
            context = base.append(input);
            depth = 1;
            if (limits.maxContextTokens() > 0 && context.tokens() > limits.maxContextTokens()) {
                throw ApiError.invalidRequest("input", "context_length_exceeded", "Even compacted, the conversation"
                        + " would reach " + context.tokens() + " tokens; this gateway accepts at most "
                        + limits.maxContextTokens() + " (BATON_LIMITS_MAX_CONTEXT_TOKENS).").exception();
            }
            engineRequest = engineRequest.on(context, new EngineRequest.ChainPosition(response.id(), null,
                    input.size() + 1, affinityKey, homeEndpoint));
            (resolved.compactNow() ? triggeredCompactions : thresholdCompactions).increment();
            compaction = new TurnCompaction(summary, (itemId, text) -> summarizer.sealed(tenant, itemId, text),
                    !resolved.compactNow());
        }
        trace.responseId(response.id());
        TurnRun run = new TurnRun(services, transport, trace, safety.outputScreen(tenant), tenant, response, input, base,
                context, depth, position, compaction, startedNanos);
        Multi<TurnStep> steps = request.generate() ? run.generate(engineRequest) : run.warmUp();
        return new Turn(response, engineRequest.fingerprint(), trace.traceId(), steps, () -> { }, run.steering());
    }

    /**
     * What a turn builds on. {@code base} is the context its new items are appended to; {@code ownBase} how many
     * of the base's items the request itself sent (a full resend that matched an indexed context), which then
     * count as the turn's input; {@code parentId} the response whose context {@code base} is; {@code baseIsInput}
     * whether the base is stored as the turn's own input (a matched full resend), which makes the turn the root of its
     * chain in storage.
     */
    private record Origin(RenderedContext base, int ownBase, String parentId, Affinity affinity, boolean baseIsInput) {
    }

    private Origin origin(TenantId tenant, CreateResponseRequest request, StoredResponse parent) {
        if (parent != null) {
            return new Origin(parent.context(), 0, parent.id(), parent.affinity(), false);
        }
        PrefixIndex.Match match = prefixes.longest(tenant, request.input());
        return match == null ? new Origin(RenderedContext.EMPTY, 0, null, null, false)
                : new Origin(match.context(), match.context().size(), match.responseId(), match.affinity(), true);
    }

    private static List<Item> concat(List<Item> head, List<Item> tail) {
        List<Item> all = new ArrayList<>(head.size() + tail.size());
        all.addAll(head);
        all.addAll(tail);
        return all;
    }

    /**
     * Assigns ids to new input items and replaces {@code item_reference}s with the items they name.
     *
     * @param offset the index of {@code input}'s first item in the request (for error messages)
     */
    private static List<Item> resolveInput(List<Item> input, RenderedContext base, int offset) {
        List<Item> resolved = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            Item item = input.get(i);
            if (item instanceof ItemReference reference) {
                Item target = findInInput(resolved, reference.id());
                if (target == null) {
                    target = base.find(reference.id());
                }
                if (target == null) {
                    throw ApiError.invalidRequest("input[" + (offset + i) + "].id", "item_not_found",
                            "Item with id '" + reference.id() + "' not found.").exception();
                }
                resolved.add(target);
            } else {
                resolved.add(item.id() == null ? item.withId(Ids.forItemType(item.type())) : item);
            }
        }
        return resolved;
    }

    /**
     * Every {@code function_call_output} answers a {@code function_call} before it, in the input or in the chain (found
     * newest first, so the usual answer to the last turn's calls costs what the input costs), as the Responses API
     * requires: another is a 400 naming its {@code call_id}.
     */
    private static void requireCalls(List<Item> tail, RenderedContext base, int offset) {
        Set<String> called = new HashSet<>();
        Map<String, Integer> answeredEarlier = null; // call_id → first input index, for calls the input did not make
        for (int i = 0; i < tail.size(); i++) {
            if (tail.get(i) instanceof FunctionCallItem call) {
                called.add(call.callId());
            } else if (tail.get(i) instanceof FunctionCallOutputItem output && !called.contains(output.callId())) {
                if (answeredEarlier == null) {
                    answeredEarlier = new java.util.LinkedHashMap<>();
                }
                answeredEarlier.putIfAbsent(output.callId(), offset + i);
            }
        }
        if (answeredEarlier == null) {
            return;
        }
        Set<String> missing = base.missingCalls(answeredEarlier.keySet()); // one walk of the chain, stopping when all are found
        if (!missing.isEmpty()) {
            String callId = missing.iterator().next();
            throw ApiError.invalidRequest("input", null, "No tool call found for function call output with call_id "
                    + callId + " (input[" + answeredEarlier.get(callId) + "]).").exception();
        }
    }

    private static Item findInInput(List<Item> items, String id) {
        for (Item item : items) {
            if (id.equals(item.id())) {
                return item;
            }
        }
        return null;
    }
}
