package dev.baton.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.StreamEvent;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Flow;
import org.jboss.logging.Logger;

/**
 * Writes a turn's events as Server-Sent Events ({@code event:} + {@code data:} lines, no
 * {@code [DONE]}), one event in flight: the next is requested only when the socket's write queue
 * has room, so a slow reader pauses the engine instead of growing a buffer. A client that goes
 * away cancels the turn. Runs on the request's event loop.
 */
final class SseWriter implements Flow.Subscriber<StreamEvent> {

    private static final Logger LOG = Logger.getLogger(SseWriter.class);
    private static final int INLINE_BURST = 32;

    private final HttpServerResponse response;
    private final ObjectMapper json;
    private final String requestId;
    private Flow.Subscription subscription;
    private int lastSequenceNumber = -1;
    private int inlineRequests;
    private final Context context;

    SseWriter(HttpServerResponse response, Context context, ObjectMapper json, String requestId) {
        this.response = response;
        this.context = context;
        this.json = json;
        this.requestId = requestId;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        response.closeHandler(closed -> s.cancel());
        s.request(1);
    }

    @Override
    public void onNext(StreamEvent event) {
        lastSequenceNumber = event.sequenceNumber();
        write(event.type(), event);
        if (response.writeQueueFull()) {
            response.drainHandler(drained -> subscription.request(1));
        } else if (++inlineRequests % INLINE_BURST == 0) {
            // writes to a fast reader complete at once: yield the event loop now and then
            context.runOnContext(ignored -> subscription.request(1));
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onError(Throwable failure) {
        LOG.errorf(failure, "[%s] stream failed", requestId);
        if (!response.closed()) {
            write("error", StreamEvent.Error.of(lastSequenceNumber + 1, ApiError.internal(requestId)));
            response.end();
        }
    }

    @Override
    public void onComplete() {
        if (!response.closed()) {
            response.end();
        }
    }

    private void write(String type, StreamEvent event) {
        if (response.closed()) {
            return;
        }
        try {
            Buffer frame = Buffer.buffer(128)
                    .appendString("event: ").appendString(type).appendString("\ndata: ")
                    .appendBytes(json.writeValueAsBytes(event))
                    .appendString("\n\n", StandardCharsets.UTF_8.name());
            response.write(frame);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + type, e);
        }
    }
}
