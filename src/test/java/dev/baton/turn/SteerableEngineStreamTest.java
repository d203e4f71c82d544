package dev.baton.turn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.engine.EngineEvent;
import dev.baton.protocol.SteerRequest;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** How a steer ends an engine's stream: between events, before the engine is asked, never after its end. */
class SteerableEngineStreamTest {

    private static final SteerRequest STEER = new SteerRequest("steer_1", "resp_1", List.of(), null, 0);

    private final AtomicReference<MultiEmitter<? super EngineEvent>> engine = new AtomicReference<>();
    private final AtomicInteger engineCalls = new AtomicInteger();
    private final AtomicBoolean engineCancelled = new AtomicBoolean();
    private final Multi<EngineEvent> engineStream = Multi.createFrom().<EngineEvent>emitter(emitter -> {
        engineCalls.incrementAndGet();
        engine.set(emitter);
    }).onCancellation().invoke(() -> engineCancelled.set(true));

    private static AssertSubscriber<EngineEvent> subscribe(SteerableEngineStream stream) {
        return Multi.createFrom().publisher(stream).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
    }

    @Test
    void aSteerBetweenEventsCancelsTheEngineAndCompletesTheTurnsStream() {
        SteerableEngineStream stream = new SteerableEngineStream(engineStream, steer -> true);
        AssertSubscriber<EngineEvent> turn = subscribe(stream);
        engine.get().emit(new EngineEvent.TextDelta("Hel"));
        assertTrue(stream.stopFor(STEER));
        engine.get().emit(new EngineEvent.TextDelta("lo")); // the engine had it in flight: nobody sees it
        turn.assertCompleted().assertItems(new EngineEvent.TextDelta("Hel"));
        assertTrue(engineCancelled.get(), "the engine's stream is cancelled");
        assertFalse(stream.stopFor(STEER), "a stopped stream stops once");
    }

    @Test
    void aSteerBeforeTheEngineIsAskedMeansItNeverIs() {
        SteerableEngineStream stream = new SteerableEngineStream(engineStream, steer -> true);
        assertTrue(stream.stopFor(STEER));
        subscribe(stream).assertCompleted().assertHasNotReceivedAnyItem();
        assertEquals(0, engineCalls.get());
    }

    @Test
    void aSteerWhileTheEngineIsStillSubscribingEndsTheTurnOnceItHasSubscribed() {
        AtomicReference<Flow.Subscriber<? super EngineEvent>> subscribing = new AtomicReference<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        Flow.Publisher<EngineEvent> asynchronous = subscribing::set; // onSubscribe comes later, from another thread
        SteerableEngineStream stream = new SteerableEngineStream(asynchronous, steer -> true);
        AssertSubscriber<EngineEvent> turn = subscribe(stream);
        assertTrue(stream.stopFor(STEER));
        subscribing.get().onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
                cancelled.set(true);
            }
        });
        turn.assertCompleted().assertHasNotReceivedAnyItem();
        assertTrue(cancelled.get(), "the engine's stream is cancelled as soon as it exists");
    }

    @Test
    void noSteerGetsInOnceTheEngineEndedOrWhenTheTurnSaysNo() {
        SteerableEngineStream refusing = new SteerableEngineStream(engineStream, steer -> false);
        AssertSubscriber<EngineEvent> turn = subscribe(refusing);
        assertFalse(refusing.stopFor(STEER));
        engine.get().emit(new EngineEvent.TextDelta("on"));
        turn.assertNotTerminated().assertItems(new EngineEvent.TextDelta("on"));
        assertFalse(engineCancelled.get());

        SteerableEngineStream ended = new SteerableEngineStream(engineStream, steer -> true);
        AssertSubscriber<EngineEvent> finished = subscribe(ended);
        engine.get().complete();
        finished.assertCompleted();
        assertFalse(ended.stopFor(STEER), "the engine finished first: the steer waits for the response's end");
    }
}
