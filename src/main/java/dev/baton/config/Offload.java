package dev.baton.config;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.function.Supplier;

/**
 * The one rule for CPU work on the path of a request (parsing a body, tokenizing an input, rebuilding a
 * context loaded from Redis): work on more than {@code BATON_RENDER_INLINE_MAX_BYTES} runs on a worker
 * thread, smaller work inline, and the result always comes back on the caller's Vert.x context — so
 * an event loop never stalls its other connections on one large request.
 */
@ApplicationScoped
public class Offload {

    private final int inlineMaxBytes;

    @Inject
    public Offload(BatonConfig config) {
        this(config.render().inlineMaxBytes());
    }

    public Offload(int inlineMaxBytes) {
        this.inlineMaxBytes = inlineMaxBytes;
    }

    /** Whether work on {@code bytes} of input runs inline on the caller's thread. */
    public boolean inline(long bytes) {
        return bytes <= inlineMaxBytes;
    }

    /** Runs {@code work} (sized {@code bytes}) by the rule above, answering on the current Vert.x context. */
    public <T> Uni<T> run(long bytes, Supplier<T> work) {
        return run(bytes, Vertx.currentContext(), work);
    }

    /**
     * Subscribes to the Uni {@code work} makes (sized {@code bytes}) by the rule above — CPU work that may end in I/O,
     * such as a safety scan that also calls a moderations endpoint — answering on {@code caller} (when not null).
     */
    public <T> Uni<T> defer(long bytes, Context caller, Supplier<Uni<T>> work) {
        if (inline(bytes)) {
            return Uni.createFrom().<T>deferred(work::get);
        }
        Uni<T> offLoop = Uni.createFrom().<T>deferred(work::get).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return caller == null ? offLoop : offLoop.emitOn(task -> caller.runOnContext(ignored -> task.run()));
    }

    /** Runs {@code work} (sized {@code bytes}) by the rule above, answering on {@code caller} (when not null). */
    public <T> Uni<T> run(long bytes, Context caller, Supplier<T> work) {
        if (inline(bytes)) {
            return Uni.createFrom().item(work);
        }
        Uni<T> offLoop = Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return caller == null ? offLoop : offLoop.emitOn(task -> caller.runOnContext(ignored -> task.run()));
    }
}
