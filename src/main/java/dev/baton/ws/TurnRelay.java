package dev.baton.ws;

import dev.baton.session.StoredResponse;
import dev.baton.turn.TurnStep;
import io.smallrye.mutiny.subscription.Cancellable;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Relays one running turn's events to the socket, one at a time: the next event is requested only when
 * the outbound queue has room, so a slow reader slows the engine instead of filling the heap. Runs on
 * the connection's event loop; registers itself in the connection's running set while it runs.
 */
final class TurnRelay implements Flow.Subscriber<TurnStep> {

    /** How the turn ended: its continuable result (or {@code null}), or the failure that broke the stream. */
    interface Ended {
        void ended(StoredResponse continuable, Throwable failure);
    }

    private final String framePrefix;
    private final Function<Object, String> serialize;
    private final Consumer<String> send;
    private final OutboundQueue outbound;
    private final Ended ended;
    private final Set<Cancellable> running;
    private Flow.Subscription subscription;
    private StoredResponse result;

    /** @param streamId the lane's name, added to every frame, or {@code null} for the default lane */
    TurnRelay(String streamId, Function<Object, String> serialize, Consumer<String> send, OutboundQueue outbound,
              Set<Cancellable> running, Ended ended) {
        this.running = running;
        this.framePrefix = streamId == null ? null : "{\"stream_id\":\"" + streamId + "\",";
        this.serialize = serialize;
        this.send = send;
        this.outbound = outbound;
        this.ended = ended;
    }

    /** Stops the turn: the engine's stream is cancelled and {@link Ended} is not called. */
    private final Cancellable cancel = () -> subscription.cancel();

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        running.add(cancel); // the connection cancels what runs when it closes
        s.request(1);
    }

    @Override
    public void onNext(TurnStep step) {
        if (step.event().terminal()) {
            result = step.continuable();
        }
        String frame = serialize.apply(step.event());
        send.accept(framePrefix == null ? frame : framePrefix + frame.substring(1));
        outbound.whenWritable(() -> subscription.request(1));
    }

    @Override
    public void onError(Throwable failure) {
        running.remove(cancel);
        ended.ended(null, failure);
    }

    @Override
    public void onComplete() {
        running.remove(cancel);
        ended.ended(result, null);
    }
}
