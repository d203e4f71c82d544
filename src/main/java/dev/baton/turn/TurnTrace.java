package dev.baton.turn;

import dev.baton.events.UsageEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * The spans of one turn: {@code baton.turn} (a child of the HTTP request's span when there is one; the root over
 * WebSocket) with the stages as children — {@code baton.state} (parent and prefix resolution, input),
 * {@code baton.safety}, {@code baton.engine.first_token}, {@code baton.stream} and {@code baton.persist}. With
 * tracing off (the default) every span is a no-op and costs nothing but the calls.
 */
final class TurnTrace {

    private final Tracer tracer;
    private final Span turn;
    private final Context context;

    private TurnTrace(Tracer tracer, Span turn, Context parent) {
        this.tracer = tracer;
        this.turn = turn;
        this.context = parent.with(turn);
    }

    /**
     * A turn's span: under the request's span over HTTP; a root of its own over a WebSocket, whose turns
     * start from whatever callback ended the turn before (the current context there is not this turn's).
     */
    static TurnTrace start(Tracer tracer, String transport, String model) {
        Context parent = UsageEvent.WEBSOCKET.equals(transport) ? Context.root() : Context.current();
        Span turn = tracer.spanBuilder("baton.turn").setSpanKind(SpanKind.INTERNAL).setParent(parent)
                .setAttribute("baton.transport", transport).setAttribute("gen_ai.request.model", model).startSpan();
        return new TurnTrace(tracer, turn, parent);
    }

    /** A stage of the turn, started now; end it with {@link Span#end()}. */
    Span stage(String name) {
        return tracer.spanBuilder(name).setParent(context).startSpan();
    }

    /** The trace id, or {@code null} when tracing is off. */
    String traceId() {
        return turn.getSpanContext().isValid() ? turn.getSpanContext().getTraceId() : null;
    }

    void responseId(String id) {
        turn.setAttribute("baton.response_id", id);
    }

    /** The turn ended with {@code status} ({@code completed}, {@code failed}, …). */
    void end(String status) {
        turn.setAttribute("baton.status", status);
        if ("failed".equals(status)) {
            turn.setStatus(StatusCode.ERROR);
        }
        turn.end();
    }

    /** The turn never started (refused input, unknown parent): the failure is recorded on the span. */
    void refused(Throwable failure) {
        turn.recordException(failure);
        turn.setStatus(StatusCode.ERROR, failure.getMessage());
        turn.end();
    }
}
