package dev.baton.turn;

import dev.baton.config.Offload;
import dev.baton.engine.Engine;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import dev.baton.engine.EngineRequest;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemReference;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.StreamEvent;
import dev.baton.protocol.Usage;
import dev.baton.render.ContextFingerprint;
import dev.baton.render.RenderedContext;
import dev.baton.safety.OutputScreen;
import dev.baton.safety.SafetyStage;
import dev.baton.session.Affinity;
import dev.baton.session.ChainStore;
import dev.baton.session.Ids;
import dev.baton.session.PrefixIndex;
import dev.baton.session.StoredResponse;
import dev.baton.session.TenantId;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The one path every turn takes, whatever the transport: resolve the parent state, resolve and
 * render only the new input onto the parent's context, run the engine, translate its events, and
 * persist the finished response before announcing it. The safety stage screens the new items between
 * resolving and rendering them (docs/safety.md).
 */
@ApplicationScoped
public class TurnPipeline {

    private static final Logger LOG = Logger.getLogger(TurnPipeline.class);

    private final ChainStore store;
    private final PrefixIndex prefixes;
    private final SafetyStage safety;
    private final Engine engine;
    private final MeterRegistry metrics;
    private final Timer prepareTimer;
    private final Timer overheadToEngine;
    private final Timer overheadToFirstEvent;
    private final java.util.Map<String, io.micrometer.core.instrument.Counter> responsesByStatus =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final Offload offload;

    public TurnPipeline(ChainStore store, PrefixIndex prefixes, SafetyStage safety, Engine engine, MeterRegistry metrics,
                        Offload offload) {
        this.store = store;
        this.prefixes = prefixes;
        this.safety = safety;
        this.offload = offload;
        this.engine = engine;
        this.metrics = metrics;
        this.prepareTimer = Timer.builder("baton_turn_prepare_seconds")
                .description("Gateway work before the engine starts: state lookup, input resolution, rendering")
                .register(metrics);
        this.overheadToEngine = overheadTimer("engine_start", metrics);
        this.overheadToFirstEvent = overheadTimer("first_event", metrics);
    }

    /**
     * Baton's own share of a turn's latency, with histogram buckets fine enough for sub-millisecond
     * percentiles: {@code engine_start} from the start of a turn (its request parsed) to the engine's
     * stream being subscribed; {@code first_event} to the engine's first output event leaving the
     * pipeline for the transport, minus the engine's own time to that event.
     */
    private static Timer overheadTimer(String stage, MeterRegistry metrics) {
        return Timer.builder("baton_gateway_overhead_seconds")
                .description("Gateway time per turn, the engine's own time excluded")
                .tag("stage", stage)
                .publishPercentileHistogram()
                .minimumExpectedValue(java.time.Duration.ofNanos(10_000))
                .maximumExpectedValue(java.time.Duration.ofSeconds(10))
                .register(metrics);
    }

    /** The outcome counter, looked up once per status (a registry lookup takes a lock on every turn). */
    private io.micrometer.core.instrument.Counter responses(String status) {
        return responsesByStatus.computeIfAbsent(status, key -> metrics.counter("baton_responses_total", "status", key));
    }

    /**
     * Prepares a turn. Fails with an {@link dev.baton.protocol.ApiException} for request-level
     * errors (unknown or non-continuable {@code previous_response_id}, bad item references).
     *
     * @param parent the parent the transport already holds (a connection slot), or {@code null}
     *               to resolve {@code previous_response_id} through the shared tiers
     */
    public Uni<Turn> prepare(TenantId tenant, CreateResponseRequest request, StoredResponse parent) {
        long started = System.nanoTime();
        if (request.generate() && !engine.serves(request.model())) {
            return Uni.createFrom().failure(ApiError.invalidRequest("model", "model_not_found",
                    "The model '" + request.model() + "' does not exist or is not served by this gateway.").exception());
        }
        Context caller = Vertx.currentContext();
        // rendering a large input (ids, digests, token counts) is CPU work: the offload rule decides where it runs
        long bytes = inputBytes(request);
        return resolveParent(tenant, request, parent)
                .flatMap(found -> offload.run(bytes, caller, () -> resolve(tenant, request, found)))
                .flatMap(resolved -> safety.screen(tenant, resolved.tail(), resolved.origin().base(), caller)
                        .flatMap(screened -> offload.run(bytes, caller, () -> {
                            Turn turn = start(tenant, request, resolved.parent(), resolved,
                                    screened, started);
                            prepareTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                            return turn;
                        })));
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

    /** A turn's parent, what it builds on, and its new items with references resolved (before safety). */
    private record Resolved(StoredResponse parent, Origin origin, List<Item> tail) {
    }

    private Resolved resolve(TenantId tenant, CreateResponseRequest request, StoredResponse parent) {
        Origin origin = origin(tenant, request, parent);
        int skipped = origin.ownBase();
        return new Resolved(parent, origin,
                resolveInput(request.input().subList(skipped, request.input().size()), origin.base(), skipped));
    }

    private Turn start(TenantId tenant, CreateResponseRequest request, StoredResponse parent, Resolved resolved,
                       SafetyStage.Screened screened, long startedNanos) {
        Origin origin = resolved.origin();
        RenderedContext base = origin.base();
        List<Item> tail = screened.items(); // redacted where a classifier asked: the engine and storage see only that
        RenderedContext context = base.append(tail);
        List<Item> input = origin.ownBase() == 0 ? tail : concat(base.items(), tail);
        byte[] preamble = ContextFingerprint.preamble(request.instructions(), request.tools());
        ResponseObject response = Settings.inProgress(Ids.response(), request);
        if (screened.verdicts() != null) {
            response = response.toBuilder().batonSafety(screened.verdicts()).build();
        }
        Affinity inherited = origin.affinity();
        String affinityKey = request.promptCacheKey() != null ? request.promptCacheKey()
                : inherited != null ? inherited.key() : response.id();
        EngineRequest.ChainPosition position = new EngineRequest.ChainPosition(response.id(),
                origin.parentId(), tail.size(), affinityKey, inherited == null ? null : inherited.endpoint());
        EngineRequest engineRequest = new EngineRequest(request.model(), request.instructions(), request.tools(),
                request.toolChoice(), context, preamble, request.maxOutputTokens(), request.maxToolCalls(),
                request.parallelToolCalls() == null || request.parallelToolCalls(), request.temperature(),
                request.topP(), request.promptCacheKey(), request.reasoning(), request.text(), request.include(),
                position);
        Run run = new Run(tenant, response, input, base, context, parent == null ? 1 : parent.depth() + 1, position,
                startedNanos);
        Multi<TurnStep> steps = request.generate() ? run.generate(engineRequest) : run.warmUp();
        return new Turn(response, engineRequest.fingerprint(), steps);
    }

    /**
     * What a turn builds on. {@code base} is the context its new items are appended to; {@code ownBase} how many
     * of the base's items the request itself sent (a full resend that matched an indexed context), which then
     * count as the turn's input; {@code parentId} the response whose context {@code base} is.
     */
    private record Origin(RenderedContext base, int ownBase, String parentId, Affinity affinity) {
    }

    private Origin origin(TenantId tenant, CreateResponseRequest request, StoredResponse parent) {
        if (parent != null) {
            return new Origin(parent.context(), 0, parent.id(), parent.affinity());
        }
        PrefixIndex.Match match = prefixes.longest(tenant, request.input());
        return match == null ? new Origin(RenderedContext.EMPTY, 0, null, null)
                : new Origin(match.context(), match.context().size(), match.responseId(), match.affinity());
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

    private static Item findInInput(List<Item> items, String id) {
        for (Item item : items) {
            if (id.equals(item.id())) {
                return item;
            }
        }
        return null;
    }

    /** The running state of one turn. */
    private final class Run {
        private final TenantId tenant;
        private final ResponseObject response;
        private final List<Item> input;
        private final RenderedContext base;
        private final RenderedContext context;
        private final int depth;
        private final EngineRequest.ChainPosition position;
        private volatile boolean settled; // set where the terminal step is made, read when the stream completes
        private volatile boolean outputBlocked; // an output classifier ended the turn: later engine events are dropped
        private final OutputScreen outputScreen;
        private final OutputAssembler assembler = new OutputAssembler(0);
        private String servedBy;
        private final long startedNanos;
        private long engineStartedNanos;
        private long engineFirstEventNanos;
        private boolean firstEventTimed;

        Run(TenantId tenant, ResponseObject response, List<Item> input, RenderedContext base, RenderedContext context,
            int depth, EngineRequest.ChainPosition position, long startedNanos) {
            this.base = base;
            this.outputScreen = safety.outputScreen(tenant);
            this.startedNanos = startedNanos;
            this.depth = depth;
            this.position = position;
            this.tenant = tenant;
            this.response = response;
            this.input = input;
            this.context = context;
        }

        Multi<TurnStep> warmUp() {
            return Multi.createBy().concatenating().streams(opening(),
                    finish(ResponseObject.COMPLETED, List.of(), Usage.ZERO, null, null).toMulti());
        }

        Multi<TurnStep> generate(EngineRequest request) {
            Multi<TurnStep> body = engine.stream(request)
                    .select().first(event -> !outputBlocked) // a blocked output stops the engine at its next event
                    .onSubscription().invoke(this::engineStarted)
                    .onItem().transformToMultiAndConcatenate(this::onEngineEvent)
                    .onItem().invoke(this::timeFirstEvent)
                    .onCompletion().switchTo(() -> settled ? Multi.createFrom().empty()
                            : fail(new EngineException("server_error",
                                    "The engine ended its stream without finishing the response.")).toMulti())
                    .onFailure().recoverWithMulti(failure -> fail(failure).toMulti());
            return Multi.createBy().concatenating().streams(opening(), body);
        }

        private Multi<TurnStep> opening() {
            return Multi.createFrom().items(
                    () -> Stream.of(
                            TurnStep.of(new StreamEvent.Lifecycle(StreamEvent.Lifecycle.CREATED,
                                    assembler.nextSequenceNumber(), response)),
                            TurnStep.of(new StreamEvent.Lifecycle(StreamEvent.Lifecycle.IN_PROGRESS,
                                    assembler.nextSequenceNumber(), response))));
        }

        private void engineStarted() {
            engineStartedNanos = System.nanoTime();
            overheadToEngine.record(engineStartedNanos - startedNanos, TimeUnit.NANOSECONDS);
        }

        private void timeFirstEvent() {
            if (!firstEventTimed && engineFirstEventNanos != 0) {
                firstEventTimed = true;
                long engineOwn = engineFirstEventNanos - engineStartedNanos;
                overheadToFirstEvent.record(Math.max(0, System.nanoTime() - startedNanos - engineOwn), TimeUnit.NANOSECONDS);
            }
        }

        private Multi<TurnStep> onEngineEvent(EngineEvent event) {
            if (event instanceof EngineEvent.Routed routed) {
                servedBy = routed.endpoint();
                return Multi.createFrom().empty();
            }
            if (engineFirstEventNanos == 0) {
                engineFirstEventNanos = System.nanoTime();
            }
            if (outputScreen != null && outputScreen.blocks(generatedText(event))) {
                return filtered(null);
            }
            if (event instanceof EngineEvent.Finished done && outputScreen != null) {
                return outputScreen.blocksAtEnd(null).onItem().transformToMulti(blocked -> blocked
                        ? filtered(usage(done)) : finished(done));
            }
            if (event instanceof EngineEvent.Finished done) {
                return finished(done);
            }
            return steps(assembler.on(event));
        }

        /** The text an event adds to the output, for the output classifiers ("" for events that add none). */
        private static String generatedText(EngineEvent event) {
            if (event instanceof EngineEvent.TextDelta delta) {
                return delta.text();
            }
            if (event instanceof EngineEvent.ArgumentsDelta delta) {
                return delta.delta();
            }
            return event instanceof EngineEvent.ReasoningDelta delta ? delta.text() : "";
        }

        /** An output classifier blocked: the open item closes without the blocked delta, the turn ends incomplete. */
        private Multi<TurnStep> filtered(Usage usage) {
            outputBlocked = true;
            List<StreamEvent> closing = assembler.closeOpenItem();
            Multi<TurnStep> terminal = finish(ResponseObject.INCOMPLETE, assembler.output(), usage, null,
                    new ResponseObject.IncompleteDetails("content_filter")).toMulti();
            return closing.isEmpty() ? terminal : Multi.createBy().concatenating().streams(steps(closing), terminal);
        }

        private static Usage usage(EngineEvent.Finished done) {
            return Usage.of(done.inputTokens(), done.cachedTokens(), done.outputTokens(), done.reasoningTokens());
        }

        private Multi<TurnStep> finished(EngineEvent.Finished done) {
            List<StreamEvent> closing = assembler.closeOpenItem();
            Usage usage = usage(done);
            String status = done.stopReason() == null ? ResponseObject.COMPLETED : ResponseObject.INCOMPLETE;
            ResponseObject.IncompleteDetails details = done.stopReason() == null ? null
                    : new ResponseObject.IncompleteDetails(done.stopReason());
            Multi<TurnStep> terminal = finish(status, assembler.output(), usage, null, details).toMulti();
            return closing.isEmpty() ? terminal
                    : Multi.createBy().concatenating().streams(steps(closing), terminal);
        }

        private static Multi<TurnStep> steps(List<StreamEvent> events) {
            return Multi.createFrom().iterable(events).map(TurnStep::of);
        }

        private Uni<TurnStep> fail(Throwable failure) {
            ResponseObject.ResponseError error;
            if (failure instanceof EngineException engineFailure) {
                error = new ResponseObject.ResponseError(engineFailure.code(), engineFailure.getMessage());
            } else {
                LOG.errorf(failure, "Turn %s failed inside the gateway", response.id());
                error = new ResponseObject.ResponseError("server_error", "The gateway failed while generating the response.");
            }
            return finish(ResponseObject.FAILED, assembler.output(), null, error, null);
        }

        /** Builds the terminal response, persists it (store=true) and only then emits the terminal event. */
        private Uni<TurnStep> finish(String status, List<Item> output, Usage usage,
                                        ResponseObject.ResponseError error, ResponseObject.IncompleteDetails details) {
            ResponseObject finished = response.finish(status, Instant.now().getEpochSecond(), output, usage, error, details);
            ResponseObject done = outputScreen == null ? finished : finished.toBuilder()
                    .batonSafety(SafetyStage.withOutput(finished.batonSafety(), outputScreen.finish())).build();
            RenderedContext after = done.continuable() ? context.append(output) : null;
            StoredResponse stored = StoredResponse.of(tenant, done, input, after, depth, affinity());
            if (after != null) {
                prefixes.remember(tenant, base, after, done.id(), stored.affinity());
            }
            responses(status).increment();
            Uni<Void> persisted = done.store() ? store.save(stored) : Uni.createFrom().voidItem();
            return persisted.map(ignored -> terminal(stored))
                    .onFailure().recoverWithItem(failure -> notDurable(done, failure));
        }

        private TurnStep terminal(StoredResponse stored) {
            settled = true;
            return new TurnStep(StreamEvent.Lifecycle.terminal(assembler.nextSequenceNumber(), stored.response()), stored);
        }

        /** The state store refused the response: it ends failed, so nobody continues from state that was lost. */
        private TurnStep notDurable(ResponseObject done, Throwable failure) {
            String message = failure instanceof ApiException api ? api.error().message()
                    : "The response could not be stored.";
            ResponseObject failed = done.finish(ResponseObject.FAILED, Instant.now().getEpochSecond(), done.output(),
                    done.usage(), new ResponseObject.ResponseError("state_unavailable", message), null);
            responses("not_durable").increment();
            return terminal(StoredResponse.of(tenant, failed, input, null, depth, affinity()));
        }

        /** The chain keeps the home endpoint of its first turn; a chain without one adopts this turn's. */
        private Affinity affinity() {
            String home = position.homeEndpoint() != null ? position.homeEndpoint() : servedBy;
            return home == null ? null : new Affinity(position.affinityKey(), home);
        }
    }
}
