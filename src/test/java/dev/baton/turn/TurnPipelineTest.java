package dev.baton.turn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.Offload;
import dev.baton.engine.Engine;
import dev.baton.engine.EngineEvent;
import dev.baton.engine.EngineRequest;
import dev.baton.events.UsageEvent;
import dev.baton.events.UsageEvents;
import dev.baton.events.UsageTally;
import dev.baton.protocol.RequestParser;
import dev.baton.protocol.StreamEvent;
import dev.baton.session.ChainStore;
import dev.baton.session.StoredResponse;
import dev.baton.session.PrefixIndex;
import dev.baton.session.TenantId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The turn pipeline driven directly, with a scripted engine and an in-memory store. */
class TurnPipelineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final Map<String, StoredResponse> saved = new ConcurrentHashMap<>();
    private final ChainStore store = new ChainStore() {
        @Override
        public Uni<StoredResponse> load(TenantId tenant, String responseId) {
            return Uni.createFrom().item(saved.get(responseId));
        }

        @Override
        public Uni<Void> save(StoredResponse response) {
            saved.put(response.id(), response);
            CompletableFuture<Void> inFlight = saving;
            return inFlight == null ? Uni.createFrom().voidItem() : Uni.createFrom().completionStage(inFlight);
        }

        @Override
        public Uni<Boolean> delete(TenantId tenant, String responseId) {
            return Uni.createFrom().item(saved.remove(responseId) != null);
        }
    };

    private static Engine scripted(EngineEvent... events) {
        return scripted(Multi.createFrom().items(events));
    }

    private static Engine scripted(Multi<EngineEvent> events) {
        return new Engine() {
            @Override
            public String name() {
                return "scripted";
            }

            @Override
            public Multi<EngineEvent> stream(EngineRequest request) {
                return events;
            }

            @Override
            public List<String> models() {
                return List.of("m");
            }
        };
    }

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** What the turns published, in order. */
    private final List<UsageEvent> published = new CopyOnWriteArrayList<>();
    /** While not null, saves wait for it: a persist still in flight. */
    private volatile CompletableFuture<Void> saving;

    private List<StreamEvent> run(Engine engine) throws Exception {
        Turn turn = prepare(engine);
        List<TurnStep> steps = turn.steps().collect().asList().await().atMost(DEADLINE);
        TurnStep last = steps.get(steps.size() - 1);
        assertEquals(turn.response().id(), last.settled().id(), "the terminal step carries the settled response");
        assertTrue(steps.subList(0, steps.size() - 1).stream().allMatch(step -> step.settled() == null),
                "only the terminal step is settled");
        return steps.stream().map(TurnStep::event).toList();
    }

    private Turn prepare(Engine engine) throws Exception {
        UsageEvents usage = new UsageEvents("none", 16, JSON, registry, new UsageTally()) {
            @Override
            public void publish(UsageEvent event) {
                published.add(event);
            }
        };
        TurnPipeline pipeline = new TurnPipeline(store, new PrefixIndex(1 << 20, java.time.Duration.ofMinutes(1), registry),
                dev.baton.safety.SafetyStage.off(registry), engine, usage,
                io.opentelemetry.api.OpenTelemetry.noop().getTracer("test"), registry, new Offload(1 << 20),
                new dev.baton.config.BatonConfig.Limits() {
                    @Override
                    public int maxInputItems() {
                        return 100;
                    }

                    @Override
                    public int maxInFlightTurns() {
                        return 0;
                    }

                    @Override
                    public int turnsPerMinute() {
                        return 0;
                    }

                    @Override
                    public long hotCacheBytesPerTenant() {
                        return 0;
                    }

                    @Override
                    public long maxContextTokens() {
                        return 0;
                    }

                    @Override
                    public long inboundBytes() {
                        return 1 << 30;
                    }

                    @Override
                    public long inboundBytesPerTenant() {
                        return 1 << 30;
                    }
                }, new dev.baton.limits.TurnAdmission(dev.baton.session.TenantDirectory.of(java.util.List.of(),
                        new dev.baton.session.TenantLimits(10, 0, 0, 0), registry), (dev.baton.session.RedisTier) null, registry),
                new dev.baton.compaction.CompactionSeal(java.util.List.of()), new dev.baton.compaction.Summarizer(
                        new dev.baton.compaction.CompactionSeal(java.util.List.of()),
                        dev.baton.protocol.CompactionItem.DEFAULT_PROMPT));
        return pipeline.prepare(new TenantId("t"),
                RequestParser.parse(JSON.readTree("{\"model\":\"m\",\"input\":\"hi\"}")), null, "http").await().atMost(DEADLINE);
    }

    @Test
    void aTurnCancelledMidwayBillsWhatWasGenerated() throws Exception {
        Multi<EngineEvent> fiveTokensThenSilence = Multi.createBy().concatenating().streams(
                Multi.createFrom().items(new EngineEvent.MessageStarted(), new EngineEvent.TextDelta("a"),
                        new EngineEvent.TextDelta(" b"), new EngineEvent.TextDelta(" c"), new EngineEvent.TextDelta(" d"),
                        new EngineEvent.TextDelta(" e")),
                Multi.createFrom().nothing());
        Turn turn = prepare(scripted(fiveTokensThenSilence));
        // the client reads up to the fifth delta and goes away
        turn.steps().select().first(step -> !(step.event() instanceof StreamEvent.OutputTextDelta delta
                && delta.delta().equals(" e"))).collect().asList().await().atMost(DEADLINE);
        assertEquals(1, published.size(), "one usage event: " + published);
        UsageEvent cancelled = published.get(0);
        assertEquals("cancelled", cancelled.status());
        assertEquals(5, cancelled.outputTokens(), "the tokens generated before the client left are billed");
        assertTrue(cancelled.inputTokens() > 0, "and the prompt as rendered: " + cancelled);
    }

    @Test
    void aCancelRacingThePersistBillsTheResponseAsStored() throws Exception {
        saving = new CompletableFuture<>();
        Turn turn = prepare(scripted(new EngineEvent.MessageStarted(), new EngineEvent.TextDelta("whole"),
                new EngineEvent.ItemDone(), new EngineEvent.Finished(7, 0, 3, 0, null)));
        Cancellable client = turn.steps().subscribe().with(step -> { }, failure -> { });
        // the client leaves while the completed response is being stored
        await().atMost(DEADLINE).until(() -> saved.containsKey(turn.response().id()));
        client.cancel();
        saving.complete(null);
        assertEquals(1, published.size(), "one usage event: " + published);
        assertEquals("completed", published.get(0).status(), "billed as the response that was stored");
        assertEquals(7, published.get(0).inputTokens());
        assertEquals(3, published.get(0).outputTokens());
    }

    @Test
    void anEngineStreamThatEndsWithoutFinishingFailsTheTurn() throws Exception {
        List<StreamEvent> events = run(scripted(new EngineEvent.MessageStarted(), new EngineEvent.TextDelta("half")));
        StreamEvent.Lifecycle last = (StreamEvent.Lifecycle) events.get(events.size() - 1);
        assertEquals("response.failed", last.type());
        assertEquals("server_error", last.response().error().code());
        assertEquals("The engine ended its stream without finishing the response.", last.response().error().message());
        StoredResponse stored = saved.get(last.response().id());
        assertEquals("failed", stored.response().status());
        assertNull(stored.context(), "a failed response is not continuable");
    }

    @Test
    void aFinishedStreamCompletesTheTurnOnce() throws Exception {
        List<StreamEvent> events = run(scripted(new EngineEvent.MessageStarted(), new EngineEvent.TextDelta("whole"),
                new EngineEvent.ItemDone(), new EngineEvent.Finished(3, 0, 1, 0, null)));
        long terminals = events.stream().filter(StreamEvent::terminal).count();
        assertEquals(1, terminals);
        assertEquals("response.completed", ((StreamEvent.Lifecycle) events.get(events.size() - 1)).type());
    }

    @Test
    void theGatewayOverheadExcludesTheEnginesOwnTime() throws Exception {
        Engine slow = new Engine() {
            @Override
            public String name() {
                return "slow";
            }

            @Override
            public Multi<EngineEvent> stream(EngineRequest request) {
                // the engine takes 300 ms to its first event: that is the engine's time, not the gateway's
                return Uni.createFrom().voidItem().onItem().delayIt().by(java.time.Duration.ofMillis(300))
                        .onItem().transformToMulti(ignored -> Multi.createFrom().items(new EngineEvent.MessageStarted(),
                                new EngineEvent.TextDelta("late"), new EngineEvent.ItemDone(),
                                new EngineEvent.Finished(1, 0, 1, 0, null)));
            }

            @Override
            public List<String> models() {
                return List.of("m");
            }
        };
        long started = System.nanoTime();
        run(slow);
        long wholeTurnNanos = System.nanoTime() - started;
        io.micrometer.core.instrument.Timer toEngine = registry.get("baton_gateway_overhead_seconds")
                .tag("stage", "engine_start").timer();
        io.micrometer.core.instrument.Timer toFirstEvent = registry.get("baton_gateway_overhead_seconds")
                .tag("stage", "first_event").timer();
        assertEquals(1, toEngine.count());
        assertEquals(1, toFirstEvent.count(), "one measurement per turn, at its first engine event");
        assertTrue(wholeTurnNanos >= 300_000_000L);
        assertTrue(toFirstEvent.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS) < 250,
                "the engine's 300 ms are not the gateway's: " + toFirstEvent.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS));
    }
}
