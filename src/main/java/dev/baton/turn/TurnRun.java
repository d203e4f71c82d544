package dev.baton.turn;

import dev.baton.engine.Engine;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineException;
import dev.baton.engine.EngineRequest;
import dev.baton.events.UsageEvent;
import io.opentelemetry.api.trace.Span;
import dev.baton.events.UsageEvents;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.SteerRequest;
import dev.baton.protocol.StreamEvent;
import dev.baton.protocol.Usage;
import dev.baton.render.RenderedContext;
import dev.baton.safety.OutputScreen;
import dev.baton.safety.SafetyStage;
import dev.baton.session.Affinity;
import dev.baton.session.ChainStore;
import dev.baton.session.PrefixIndex;
import dev.baton.session.StoredResponse;
import dev.baton.session.TenantId;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * One turn running: the engine's events become the Responses stream ({@link OutputAssembler}), the output
 * classifiers read each delta before it leaves, and the finished response is indexed for full resends and
 * persisted ({@code store=true}) before its terminal event is emitted. Made by {@link TurnPipeline}.
 */
final class TurnRun {

    private static final Logger LOG = Logger.getLogger(TurnRun.class);

    private final ChainStore store;
    private final PrefixIndex prefixes;
    private final Engine engine;
    private final TurnMetrics metrics;
    private final TurnMetrics.Overhead overhead;
    private final UsageEvents usage;
    private final String transport;
    private final TurnTrace trace;
    private Span engineSpan;
    private Span streamSpan;
    private final TenantId tenant;
    private final ResponseObject response;
    private final List<Item> input;
    private final RenderedContext base;
    private final RenderedContext context;
    private final int depth;
    private final EngineRequest.ChainPosition position;
    private volatile boolean settled; // set where the terminal step is made, read when the stream completes
    private final AtomicBoolean usagePublished = new AtomicBoolean(); // one usage event per turn, whatever ends it
    private volatile ResponseObject finishing; // the response as it ends, once finish() has built it
    private volatile long generatedDeltas; // the engine's output so far, for endings its count never reached
    private volatile long reasoningDeltas;
    /** Ends the engine's events where a classifier blocked; never sent. */
    private static final TurnStep STOP = new TurnStep(null, null);
    private Supplier<Multi<TurnStep>> ending; // what follows the engine's last event, once it came
    private final OutputScreen outputScreen;
    private final OutputAssembler assembler = new OutputAssembler(0);
    private final TurnCompaction compaction;
    private final StringBuilder summary = new StringBuilder(); // the compaction's summary, as the engine writes it
    private volatile Usage summaryUsage; // what the compaction's summary cost, counted in the turn's usage
    private String servedBy;
    private final long startedNanos;
    private long engineStartedNanos;
    private volatile long engineFirstEventNanos; // read by a cancel, on the client's thread
    private boolean firstEventTimed;
    private volatile long overheadNanos = -1; // Baton's own time to the first event, once it came
    /** The engine's stream as a steer can end it (WebSocket turns without compaction), or {@code null}. */
    private SteerableEngineStream steerable;

    /** What every turn uses, made once by the pipeline. */
    record Services(ChainStore store, PrefixIndex prefixes, Engine engine, TurnMetrics metrics, UsageEvents usage) {
    }

    TurnRun(Services services, String transport, TurnTrace trace, OutputScreen outputScreen, TenantId tenant,
            ResponseObject response,
            List<Item> input, RenderedContext base, RenderedContext context, int depth,
            EngineRequest.ChainPosition position, TurnCompaction compaction, long startedNanos) {
        this.compaction = compaction;
        this.store = services.store();
        this.prefixes = services.prefixes();
        this.engine = services.engine();
        this.metrics = services.metrics();
        this.usage = services.usage();
        this.transport = transport;
        this.overhead = metrics.overhead(transport);
        this.trace = trace;
        this.base = base;
        this.outputScreen = outputScreen;
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
        Multi<TurnStep> produced = compaction == null ? fromEngine(request) : compactThenAnswer(request);
        Multi<TurnStep> body = produced
                .onSubscription().invoke(this::engineStarted)
                .onItem().invoke(this::timeFirstEvent)
                .onCancellation().invoke(this::cancelled)
                .onCompletion().switchTo(() -> settled ? Multi.createFrom().empty()
                        : fail(new EngineException("server_error",
                                "The engine ended its stream without finishing the response.")).toMulti())
                .onFailure().recoverWithMulti(failure -> fail(failure).toMulti());
        return Multi.createBy().concatenating().streams(opening(), body);
    }

    /**
     * A compacting turn: the compaction item opens (numbered when it runs, after the opening events), the engine writes
     * the summary, the sealed item closes, and the engine answers on the window with the item at its end — or, for a
     * {@code compaction_trigger}, the turn ends with the item as its whole output.
     */
    private Multi<TurnStep> compactThenAnswer(EngineRequest request) {
        return Multi.createBy().concatenating().streams(
                Multi.createFrom().deferred(() -> steps(assembler.compactionStarted())),
                summarize(),
                Multi.createFrom().deferred(() -> {
                    CompactionItem item = sealedSummary();
                    Multi<TurnStep> done = steps(assembler.compactionDone(item)); // first: it numbers its event
                    Multi<TurnStep> after = compaction.answer()
                            ? fromEngine(request.on(request.context().append(List.of(item)), request.chain()))
                            : finish(ResponseObject.COMPLETED, assembler.output(), summaryUsage, null, null).toMulti();
                    return Multi.createBy().concatenating().streams(done, after);
                }));
    }

    /**
     * The engine's events as steps, each turned into its events at once (no stream per event); the end —
     * closing the open item and the terminal event, after the store and the output classifiers have had their
     * say — follows once the engine's stream has ended, or at once when a classifier blocks ({@link #STOP}
     * cancels the engine's stream there).
     */
    private Multi<TurnStep> fromEngine(EngineRequest request) {
        Multi<EngineEvent> events = engine.stream(request);
        if (UsageEvent.WEBSOCKET.equals(transport) && compaction == null) {
            steerable = new SteerableEngineStream(events, this::stopsFor);
            events = Multi.createFrom().publisher(steerable);
        }
        return Multi.createBy().concatenating().streams(
                events
                        // a failure after the engine's last word (a reset after the response) changes nothing
                        .onFailure(failure -> ending != null).recoverWithCompletion()
                        .onItem().transformToIterable(this::onEngineEvent)
                        .select().first(step -> step != STOP),
                Multi.createFrom().deferred(this::ending));
    }

    /** Steering, for the transport: WebSocket turns that generate without compacting can be steered. */
    Steering steering() {
        SteerableEngineStream stream = steerable;
        return stream == null ? Steering.NONE : stream::stopFor;
    }

    /**
     * Whether the turn stops for {@code steer} now (under the engine stream's lock, between two engine events): not once
     * the engine finished, and not once the response holds a function call — it then completes and waits for the
     * tool's output, and the steer with it.
     */
    private boolean stopsFor(SteerRequest steer) {
        if (ending != null || assembler.holdsFunctionCall()) {
            return false;
        }
        ending = () -> steered(steer);
        return true;
    }

    /**
     * A steer stopped the turn: its acceptance is numbered here, in the response's sequence; the open item closes with
     * what it has, and the response ends {@code incomplete} ({@code steered}) with the usage Baton counted, since the
     * engine's own count never came.
     */
    private Multi<TurnStep> steered(SteerRequest steer) {
        List<StreamEvent> events = new ArrayList<>();
        events.add(new StreamEvent.SteerAccepted(assembler.nextSequenceNumber(),
                new StreamEvent.SteerAccepted.Steer(steer.id(), response.id())));
        events.addAll(assembler.closeOpenItem());
        return Multi.createBy().concatenating().streams(steps(events), finish(ResponseObject.INCOMPLETE,
                assembler.output(), counted(), null, new ResponseObject.IncompleteDetails("steered")).toMulti());
    }

    /** What follows the engine's last event (nothing when it never finished: the turn then fails). */
    private Multi<TurnStep> ending() {
        Supplier<Multi<TurnStep>> end = ending;
        ending = null;
        return end == null ? Multi.createFrom().empty() : end.get();
    }

    /**
     * The compaction's summary: the engine writes it, the client sees only that it is being written
     * ({@code response.compaction.compacting}, no content) and then the sealed compaction item.
     */
    private Multi<TurnStep> summarize() {
        return engine.stream(compaction.summary()).onItem().transformToMultiAndConcatenate(event -> {
            firstEngineEvent();
            if (event instanceof EngineEvent.TextDelta delta) {
                summary.append(delta.text());
                return steps(List.of(assembler.compacting()));
            }
            if (event instanceof EngineEvent.Finished done) {
                if (done.stopReason() != null) {
                    throw new EngineException("compaction_failed", "The conversation could not be compacted: the"
                            + " engine stopped its summary early (" + done.stopReason() + ").");
                }
                summaryUsage = engineUsage(done);
            }
            return Multi.createFrom().empty();
        });
    }

    private CompactionItem sealedSummary() {
        try {
            return compaction.seal().apply(assembler.compactionId(), summary.toString());
        } catch (IllegalArgumentException blank) {
            throw new EngineException("compaction_failed",
                    "The conversation could not be compacted: " + blank.getMessage() + ".");
        }
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
        engineSpan = trace.stage("baton.engine.first_token");
        engineStartedNanos = System.nanoTime();
        overhead.toEngine().record(engineStartedNanos - startedNanos, TimeUnit.NANOSECONDS);
    }

    private void timeFirstEvent() {
        if (!firstEventTimed && engineFirstEventNanos != 0) {
            firstEventTimed = true;
            long engineOwn = engineFirstEventNanos - engineStartedNanos;
            overheadNanos = Math.max(0, System.nanoTime() - startedNanos - engineOwn);
            overhead.toFirstEvent().record(overheadNanos, TimeUnit.NANOSECONDS);
        }
    }

    private List<TurnStep> onEngineEvent(EngineEvent event) {
        if (ending != null) {
            return List.of(); // nothing counts after the engine's end (or a block)
        }
        if (event instanceof EngineEvent.Routed routed) {
            servedBy = routed.endpoint();
            return List.of();
        }
        firstEngineEvent();
        if (event instanceof EngineEvent.TextDelta || event instanceof EngineEvent.ArgumentsDelta) {
            generatedDeltas++; // one writer: the engine's stream
        } else if (event instanceof EngineEvent.ReasoningDelta) {
            generatedDeltas++;
            reasoningDeltas++;
        }
        if (outputScreen != null && outputScreen.blocks(generatedText(event))) {
            ending = () -> filtered(null);
            return List.of(STOP);
        }
        if (event instanceof EngineEvent.Finished done) {
            ending = outputScreen == null ? () -> finished(done) : () -> outputScreen.blocksAtEnd(null)
                    .onItem().transformToMulti(blocked -> blocked ? filtered(usage(done)) : finished(done));
            return List.of();
        }
        List<StreamEvent> events = assembler.on(event);
        if (events.size() == 1) {
            return List.of(TurnStep.of(events.get(0)));
        }
        List<TurnStep> steps = new ArrayList<>(events.size());
        for (StreamEvent produced : events) {
            steps.add(TurnStep.of(produced));
        }
        return steps;
    }

    private void firstEngineEvent() {
        if (engineFirstEventNanos == 0) {
            engineFirstEventNanos = System.nanoTime();
            if (engineSpan != null) {
                engineSpan.end();
            }
            streamSpan = trace.stage("baton.stream");
        }
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
        List<StreamEvent> closing = assembler.closeOpenItem();
        Multi<TurnStep> terminal = finish(ResponseObject.INCOMPLETE, assembler.output(), usage, null,
                new ResponseObject.IncompleteDetails("content_filter")).toMulti();
        return closing.isEmpty() ? terminal : Multi.createBy().concatenating().streams(steps(closing), terminal);
    }

    /** The turn's usage: the engine's count, the compaction's summary included. */
    private Usage usage(EngineEvent.Finished done) {
        return summaryUsage == null ? engineUsage(done) : engineUsage(done).plus(summaryUsage);
    }

    private static Usage engineUsage(EngineEvent.Finished done) {
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
        } else if (failure instanceof ApiException refused) { // e.g. a compaction item whose key was replaced mid-turn
            LOG.warnf("Turn %s failed: %s", response.id(), refused.getMessage());
            error = new ResponseObject.ResponseError(refused.error().code(), refused.getMessage());
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
        finishing = done;
        RenderedContext after = done.continuable() ? context.append(output) : null;
        StoredResponse stored = StoredResponse.of(tenant, done, input, after, depth, affinity());
        if (after != null) {
            prefixes.remember(tenant, base, after, done.id(), stored.affinity());
        }
        metrics.responses(status).increment();
        endStage(streamSpan);
        endStage(engineSpan);
        Span persist = trace.stage("baton.persist");
        Uni<Void> persisted = done.store() ? store.save(stored) : Uni.createFrom().voidItem();
        return persisted.onTermination().invoke(persist::end).map(ignored -> terminal(stored))
                .onFailure().recoverWithItem(failure -> notDurable(done, failure));
    }

    private TurnStep terminal(StoredResponse stored) {
        settled = true;
        ResponseObject done = stored.response();
        publishUsage(done.status(), done.usage(), done.batonSafety());
        trace.end(done.status());
        return new TurnStep(StreamEvent.Lifecycle.terminal(assembler.nextSequenceNumber(), done), stored);
    }

    /**
     * The client went away before the turn ended: its usage so far (the engine's count never came: Baton's), or, when
     * the response had already ended and was being stored, that end's.
     */
    private void cancelled() {
        if (!settled) {
            settled = true;
            ResponseObject ended = finishing;
            if (ended != null) {
                publishUsage(ended.status(), ended.usage(), ended.batonSafety());
            } else {
                publishUsage("cancelled", null, response.batonSafety());
            }
            endStage(streamSpan);
            endStage(engineSpan);
            trace.end("cancelled");
        }
    }

    private static void endStage(Span span) {
        if (span != null) {
            span.end(); // ending twice is harmless: the first end counts
        }
    }

    /**
     * Publishes the turn's one usage event; {@code counts} null (the engine's count never came: cancelled, failed,
     * blocked midway) bills what Baton counted: the prompt as rendered (once the engine answered), one output token
     * per streamed delta, a compaction summary's cost.
     */
    private void publishUsage(String status, Usage counts, Object safety) {
        if (usagePublished.compareAndSet(false, true)) {
            usage.publish(usageEvent(status, counts != null ? counts : counted(), safety));
        }
    }

    /** Baton's count: the prompt once the engine answered at all (it read it), the deltas streamed, a summary's cost. */
    private Usage counted() {
        long prompt = engineFirstEventNanos == 0 || context == null ? 0 : context.tokens();
        Usage counted = Usage.of(prompt, 0, generatedDeltas, reasoningDeltas);
        Usage summarized = summaryUsage;
        return summarized == null ? counted : counted.plus(summarized);
    }

    private UsageEvent usageEvent(String status, Usage counts, Object safety) {
        long now = System.nanoTime();
        Long ttft = engineFirstEventNanos == 0 ? null : (engineFirstEventNanos - startedNanos) / 1_000_000;
        long ownNanos = overheadNanos;
        Long gatewayOverheadUs = ownNanos < 0 ? null : ownNanos / 1_000;
        return new UsageEvent(response.id(), tenant.value(), response.model(), transport, servedBy,
                counts.inputTokens(), counts.inputTokensDetails().cachedTokens(), counts.outputTokens(),
                counts.outputTokensDetails().reasoningTokens(), ttft, gatewayOverheadUs, (now - startedNanos) / 1_000_000,
                status,
                Instant.now().getEpochSecond(), safety);
    }

    /** The state store refused the response: it ends failed, so nobody continues from state that was lost. */
    private TurnStep notDurable(ResponseObject done, Throwable failure) {
        String message = failure instanceof ApiException api ? api.error().message()
                : "The response could not be stored.";
        ResponseObject failed = done.finish(ResponseObject.FAILED, Instant.now().getEpochSecond(), done.output(),
                done.usage(), new ResponseObject.ResponseError("state_unavailable", message), null);
        metrics.responses("not_durable").increment();
        return terminal(StoredResponse.of(tenant, failed, input, null, depth, affinity()));
    }

    /** The chain keeps the home endpoint of its first turn; a chain without one adopts this turn's. */
    private Affinity affinity() {
        String home = position.homeEndpoint() != null ? position.homeEndpoint() : servedBy;
        return home == null ? null : new Affinity(position.affinityKey(), home);
    }
}
