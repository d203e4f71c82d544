package dev.baton.http;

import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.EventEncoder;
import dev.baton.protocol.StreamEvent;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Flow;
import org.jboss.logging.Logger;

/**
 * Writes a turn's events as Server-Sent Events ({@code event:} + {@code data:} lines, no {@code [DONE]}).
 * Events are asked for in batches while the socket's write queue has room, so a slow reader pauses the
 * engine instead of growing a buffer; the events of one pass of the event loop go out in one write. A
 * client that goes away cancels the turn. Runs on the request's event loop.
 */
final class SseWriter implements Flow.Subscriber<StreamEvent> {

    private static final Logger LOG = Logger.getLogger(SseWriter.class);
    /** Events asked for at once; more are asked for when half have come and the socket has room. */
    private static final int DEMAND = 64;
    private static final int INLINE_BURST = 32;
    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final HttpServerResponse response;
    private final EventEncoder encoder;
    private final String requestId;
    private final Context context;
    private final Runnable replenish = this::replenish;
    private Flow.Subscription subscription;
    private int lastSequenceNumber = -1;
    private int inlineRequests;
    private int outstanding;
    private boolean replenishing;
    private Buffer batch; // events of this pass of the loop, written at its end
    private boolean done;

    SseWriter(HttpServerResponse response, Context context, EventEncoder encoder, String requestId) {
        this.response = response;
        this.context = context;
        this.encoder = encoder;
        this.requestId = requestId;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        response.closeHandler(closed -> {
            done = true;
            s.cancel();
        });
        outstanding = DEMAND;
        s.request(DEMAND);
    }

    @Override
    public void onNext(StreamEvent event) {
        lastSequenceNumber = event.sequenceNumber();
        append(event.type(), event);
        if (--outstanding <= DEMAND / 2 && !replenishing) {
            replenishing = true;
            whenWritable(replenish);
        }
    }

    private void whenWritable(Runnable continuation) {
        writeBatch(); // what this pass wrote counts: the queue check below must see it
        if (response.writeQueueFull()) {
            // Vert.x keeps a drain handler and calls it on every later drain: it runs once, then goes
            response.drainHandler(drained -> {
                response.drainHandler(null);
                continuation.run();
            });
        } else if (++inlineRequests % INLINE_BURST == 0) {
            // writes to a fast reader complete at once: yield the event loop now and then
            context.runOnContext(ignored -> continuation.run());
        } else {
            continuation.run();
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
        ApiError error;
        if (failure instanceof ApiException refused) { // a turn stopped for a reason its client is told (lease lost)
            LOG.warnf("[%s] stream ended: %s", requestId, refused.getMessage());
            error = refused.error();
        } else {
            LOG.errorf(failure, "[%s] stream failed", requestId);
            error = ApiError.internal(requestId);
        }
        if (!response.closed()) {
            append("error", StreamEvent.Error.of(lastSequenceNumber + 1, error));
            writeBatch();
            response.end();
        }
    }

    @Override
    public void onComplete() {
        done = true;
        if (!response.closed()) {
            writeBatch();
            response.end();
        }
    }

    private void append(String type, StreamEvent event) {
        if (response.closed()) {
            return;
        }
        ByteBuf json = encoder.encode(event, null);
        try {
            if (batch == null) {
                batch = Buffer.buffer(json.readableBytes() + 64);
                context.runOnContext(ignored -> writeBatch());
            }
            batch.appendBytes(EVENT).appendString(type, "US-ASCII").appendBytes(DATA)
                    .appendBuffer(Buffer.buffer(json)).appendBytes(END);
        } finally {
            json.release();
        }
    }

    private void writeBatch() {
        Buffer pending = batch;
        batch = null;
        if (pending != null && !response.closed()) {
            response.write(pending);
        }
    }
}
