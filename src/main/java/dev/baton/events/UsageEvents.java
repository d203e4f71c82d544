package dev.baton.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.smallrye.reactive.messaging.rabbitmq.OutgoingRabbitMQMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.logging.Logger;

/**
 * Usage events: one per finished response, to the sink {@code BATON_USAGE_SINK} names — {@code log} (the
 * default: one JSON line per event on the {@code baton.usage} logger), {@code none}, or {@code rabbitmq}: the
 * SmallRye Reactive Messaging channel {@code usage}, to the topic exchange {@code baton.usage} with the tenant as
 * routing key. Publishing never blocks or fails a turn: events wait in a buffer of {@code BATON_USAGE_BUFFER}
 * events while the broker is slow or away; what does not fit is dropped, counted
 * ({@code baton_usage_events_total{result="dropped"}}) and logged, and what the connector cannot send is counted as
 * {@code failed}. Delivery is at most once: an event is never sent twice, and one is lost only where counted.
 */
@ApplicationScoped
public class UsageEvents {

    private static final Logger LOG = Logger.getLogger(UsageEvents.class);
    private static final Logger USAGE = Logger.getLogger("baton.usage");

    public static final String LOG_SINK = "log";
    public static final String NONE = "none";
    public static final String RABBITMQ = "rabbitmq";

    private final String sink;
    private final ObjectMapper json;
    private final Queue<UsageEvent> buffer;
    private final AtomicInteger draining = new AtomicInteger();
    private final Counter sent;
    private final Counter failed;
    private final Counter dropped;
    private final UsageTally tally;
    private volatile MultiEmitter<? super Message<String>> broker;

    @Inject
    public UsageEvents(BatonConfig config, ObjectMapper json, MeterRegistry metrics, UsageTally tally) {
        this(config.usage().sink(), config.usage().buffer(), json, metrics, tally);
    }

    public UsageEvents(String sink, int bufferSize, ObjectMapper json, MeterRegistry metrics, UsageTally tally) {
        this.sink = sink;
        this.tally = tally;
        this.json = json;
        this.buffer = new ArrayBlockingQueue<>(bufferSize);
        this.sent = counter(metrics, "sent");
        this.failed = counter(metrics, "failed");
        this.dropped = counter(metrics, "dropped");
        metrics.gauge("baton_usage_events_buffered", buffer, Queue::size);
    }

    private Counter counter(MeterRegistry metrics, String result) {
        return Counter.builder("baton_usage_events_total").tag("sink", sink).tag("result", result)
                .description("Usage events by outcome: sent (logged, or accepted by the broker connector), failed "
                        + "(the connector could not send it), dropped (the buffer was full)").register(metrics);
    }

    /** Hands one event to the sink and to the console's tally; never blocks. */
    public void publish(UsageEvent event) {
        tally.record(event);
        switch (sink) {
            case NONE -> {
            }
            case RABBITMQ -> {
                if (!buffer.offer(event)) {
                    drop(event);
                }
                drain();
            }
            default -> {
                USAGE.info(serialize(event));
                sent.increment();
            }
        }
    }

    private void drop(UsageEvent event) {
        dropped.increment();
        double count = dropped.count();
        if (count == 1 || count % 1000 == 0) {
            LOG.warnf("usage events: the buffer of %d events is full (broker away or slow); dropped %d so far, "
                    + "the latest for response %s", ((ArrayBlockingQueue<?>) buffer).remainingCapacity() + buffer.size(),
                    (long) count, event.responseId());
        }
    }

    /** The {@code usage} channel: buffered events as the broker asks for them (demand-driven, never beyond). */
    @Outgoing("usage")
    public Multi<Message<String>> usage() {
        return Multi.createFrom().emitter(emitter -> {
            broker = emitter;
            emitter.onRequest(ignored -> drain());
            drain();
        });
    }

    private void drain() {
        if (draining.getAndIncrement() != 0) {
            return;
        }
        do {
            MultiEmitter<? super Message<String>> downstream = broker;
            while (downstream != null && downstream.requested() > 0 && !buffer.isEmpty()) {
                UsageEvent event = buffer.poll();
                if (event == null) {
                    break;
                }
                OutgoingRabbitMQMetadata routing = OutgoingRabbitMQMetadata.builder()
                        .withRoutingKey(event.tenant()).withContentType("application/json").build();
                downstream.emit(Message.of(serialize(event), Metadata.of(routing), this::acked, this::nacked));
            }
        } while (draining.decrementAndGet() != 0);
    }

    private java.util.concurrent.CompletionStage<Void> acked() {
        sent.increment();
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    private java.util.concurrent.CompletionStage<Void> nacked(Throwable reason) {
        failed.increment();
        double count = failed.count();
        if (count == 1 || count % 1000 == 0) {
            LOG.warnf("usage events: the broker connector could not send an event (%s); %d lost so far",
                    reason.getMessage(), (long) count);
        }
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    private String serialize(UsageEvent event) {
        try {
            return json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a usage event is plain data", e);
        }
    }
}
