package dev.baton.turn;

import dev.baton.engine.EngineEvent;
import dev.baton.protocol.SteerRequest;
import java.util.concurrent.Flow;

/**
 * An engine's stream that a steer can end between two events, or while the engine is silent (before its first token):
 * the engine's events and a steer's stop pass through one lock, so the turn sees them one at a time and a stop decided
 * here is the last thing it sees. Once stopped, the engine's stream is cancelled and the turn's downstream completes,
 * which runs the ending the turn set when it agreed to stop. Items are passed on as they come (no queue, no hop);
 * demand goes straight through.
 */
final class SteerableEngineStream implements Flow.Publisher<EngineEvent>, Flow.Subscriber<EngineEvent>, Flow.Subscription {

    /** Whether the turn stops for a steer now; called under the stream's lock, so never between two of its events. */
    interface Boundary {
        boolean stopsFor(SteerRequest steer);
    }

    private final Flow.Publisher<EngineEvent> engine;
    private final Boundary boundary;
    private Flow.Subscriber<? super EngineEvent> downstream;
    private volatile Flow.Subscription upstream;
    private boolean over; // the engine ended, the turn stopped or was cancelled: no steer gets in any more

    SteerableEngineStream(Flow.Publisher<EngineEvent> engine, Boundary boundary) {
        this.engine = engine;
        this.boundary = boundary;
    }

    @Override
    public synchronized void subscribe(Flow.Subscriber<? super EngineEvent> subscriber) {
        downstream = subscriber;
        if (over) { // steered before the engine was asked: it never is
            subscriber.onSubscribe(this);
            subscriber.onComplete();
            return;
        }
        engine.subscribe(this);
    }

    /** From the transport's thread: stops the turn if its boundary agrees (see {@link Steering#stopFor}). */
    synchronized boolean stopFor(SteerRequest steer) {
        if (over || !boundary.stopsFor(steer)) {
            return false;
        }
        over = true;
        if (upstream != null) {
            upstream.cancel();
            downstream.onComplete();
        }
        return true;
    }

    @Override
    public synchronized void onSubscribe(Flow.Subscription subscription) {
        // stopped (or cancelled) while the engine was still subscribing: it ends here, not never — read before the
        // downstream can request and the engine answer (and end) inline
        boolean stoppedEarly = over;
        upstream = subscription;
        if (stoppedEarly) {
            subscription.cancel();
        }
        downstream.onSubscribe(this);
        if (stoppedEarly) {
            downstream.onComplete();
        }
    }

    @Override
    public synchronized void onNext(EngineEvent event) {
        if (!over) {
            downstream.onNext(event);
        }
    }

    @Override
    public synchronized void onError(Throwable failure) {
        if (!over) {
            over = true;
            downstream.onError(failure);
        }
    }

    @Override
    public synchronized void onComplete() {
        if (!over) {
            over = true;
            downstream.onComplete();
        }
    }

    @Override
    public void request(long n) {
        Flow.Subscription engineSide = upstream;
        if (engineSide != null) {
            engineSide.request(n);
        }
    }

    @Override
    public synchronized void cancel() {
        over = true;
        if (upstream != null) {
            upstream.cancel();
        }
    }
}
