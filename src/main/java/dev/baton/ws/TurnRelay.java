package dev.baton.ws;

import dev.baton.protocol.EventEncoder;
import dev.baton.protocol.StreamEvent;
import dev.baton.session.StoredResponse;
import dev.baton.turn.TurnStep;
import io.smallrye.mutiny.subscription.Cancellable;
import java.util.Set;
import java.util.concurrent.Flow;

/**
 * Relays one running turn's events to the socket: each event is encoded and written as it comes, and
 * events are asked for in batches while the outbound queue has room, so a slow reader slows the engine
 * instead of filling the heap and a fast one is not held up by a request per event. Runs on the
 * connection's event loop; registers itself in the connection's running set while it runs.
 */
final class TurnRelay implements Flow.Subscriber<TurnStep> {

    /** Events asked for at once; more are asked for when half have come and the queue has room. */
    static final int DEMAND = 64;

    /**
     * How the turn ended: its continuable result (or {@code null}), its terminal event as sent (or {@code null} when the
     * stream broke first), or the failure that broke the stream.
     */
    interface Ended {
        void ended(StoredResponse continuable, StreamEvent terminal, Throwable failure);
    }

    private final byte[] framePrefix;
    private final EventEncoder encoder;
    private final OutboundQueue outbound;
    private final Ended ended;
    private final Set<Cancellable> running;
    private final Runnable replenish = this::replenish;
    private Flow.Subscription subscription;
    private StoredResponse result;
    private StreamEvent terminal;
    private int outstanding;
    private boolean replenishing;
    private boolean done;

    /** @param streamId the lane's name, added to every frame, or {@code null} for the default lane */
    TurnRelay(String streamId, EventEncoder encoder, OutboundQueue outbound, Set<Cancellable> running, Ended ended) {
        this.running = running;
        this.framePrefix = EventEncoder.streamIdPrefix(streamId);
        this.encoder = encoder;
        this.outbound = outbound;
        this.ended = ended;
    }

    /** Stops the turn: the engine's stream is cancelled and {@link Ended} is not called. */
    private final Cancellable cancel = () -> {
        done = true;
        subscription.cancel();
    };

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        running.add(cancel); // the connection cancels what runs when it closes
        outstanding = DEMAND;
        s.request(DEMAND);
    }

    @Override
    public void onNext(TurnStep step) {
        if (step.event().terminal()) {
            result = step.continuable();
            terminal = step.event();
        }
        outbound.send(encoder.encode(step.event(), framePrefix));
        if (--outstanding <= DEMAND / 2 && !replenishing) {
            replenishing = true;
            outbound.whenWritable(replenish);
        }
    }

    private void replenish() {
        if (!replenishing) {
            return;
        }
        replenishing = false;
        int more = DEMAND - outstanding;
        if (done || more <= 0) {
            return;
        }
        outstanding = DEMAND;
        subscription.request(more);
    }

    @Override
    public void onError(Throwable failure) {
        done = true;
        running.remove(cancel);
        ended.ended(null, terminal, failure);
    }

    @Override
    public void onComplete() {
        done = true;
        running.remove(cancel);
        ended.ended(result, terminal, null);
    }
}
