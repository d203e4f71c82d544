package dev.baton.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.events.UsageEvent;
import dev.baton.limits.InboundBytes;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.EventEncoder;
import dev.baton.protocol.RequestParser;
import dev.baton.protocol.SocketError;
import dev.baton.session.Ids;
import dev.baton.session.StoredResponse;
import dev.baton.session.TenantDirectory;
import dev.baton.session.TenantId;
import dev.baton.turn.ConnectionSlots;
import dev.baton.turn.Turn;
import dev.baton.conversation.Conversations;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Context;
import io.vertx.core.http.HttpConnection;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The state of one WebSocket connection (PROTOCOL.md Part A.4–A.10, B §1.4, §4): its lanes and their
 * connection slots, the in-flight limit, the age limit and the outbound queue. Every method runs on
 * the connection's event loop, so nothing here needs a lock; engine events are moved onto it.
 */
final class SocketSession {

    private static final Logger LOG = Logger.getLogger(SocketSession.class);
    private static final Pattern STREAM_ID = Pattern.compile("^[A-Za-z0-9_.-]{1,256}$");
    static final int CLOSE_POLICY = 1008;
    static final int CLOSE_TOO_BIG = 1009;
    static final int CLOSE_GOING_AWAY = 1001;

    private final WebSocketConnection connection;
    private final TenantId tenant;
    private final Context context;
    private final Conversations conversations;
    private final ObjectMapper json;
    private final BatonConfig.WebSocket limits;
    private final SocketMetrics metrics;
    private final OutboundQueue outbound;
    private final EventEncoder encoder;
    private final HttpConnection tcp;
    private final FrameReader reader;
    private final LaneScheduler lanes;
    private final ConnectionSlots slots = new ConnectionSlots();
    private final Set<Cancellable> running = new HashSet<>();
    private final InboundAccount inbound;
    /** The bytes of each frame given to the reader and not yet answered, in order: the reader answers in order. */
    private final ArrayDeque<Long> readerBytes = new ArrayDeque<>();
    /** The bytes of each accepted create, from its frame until its turn starts (then on its {@link Lane}). */
    private final Map<CreateResponseRequest, Long> createBytes = new IdentityHashMap<>();
    private long eventBytes; // the bytes of the event being handled, until handed to a create or given back
    private boolean aged;
    private boolean draining;
    private boolean closed;
    private final String keyFingerprint;
    private long keysChecked;

    SocketSession(WebSocketConnection connection, TenantId tenant, Context context, Conversations conversations,
                  ObjectMapper json, BatonConfig.WebSocket limits, int parseInlineMaxChars, SocketMetrics metrics,
                  HttpConnection tcp, OutboundQueue outbound, EventEncoder encoder, String keyFingerprint,
                  long keysGeneration, InboundBytes replicaInbound) {
        this.connection = connection;
        this.keyFingerprint = keyFingerprint;
        this.keysChecked = keysGeneration;
        this.tenant = tenant;
        this.context = context;
        this.conversations = conversations;
        this.json = json;
        this.limits = limits;
        this.metrics = metrics;
        this.tcp = tcp;
        this.inbound = new InboundAccount(tenant, replicaInbound, limits.maxInboundBytes(), tcp, metrics);
        this.outbound = outbound;
        this.encoder = encoder;
        this.reader = new FrameReader(context, json, limits.maxMessageBytes(), parseInlineMaxChars, limits.maxQueued(),
                new Frames());
        this.lanes = new LaneScheduler(limits.maxInFlight(), limits.maxQueued(), limits.maxNamedLanes(), metrics,
                (lane, request) -> guardedStart(lane, request));
    }

    // --- inbound frames ---

    /** Every frame gets exactly one answer: a failure nobody expected becomes a {@code server_error} event. */
    void onText(String frame) {
        guarded(() -> {
            if (closed) {
                return;
            }
            if (reader.tooBig(frame)) {
                close(new CloseReason(CLOSE_TOO_BIG, "message over " + limits.maxMessageBytes() + " bytes"));
                return; // over the size limit whatever the budgets say: it is never held
            }
            ApiError refused = inbound.admit(frame.length());
            if (refused != null) {
                sendError(refused, null);
                return;
            }
            readerBytes.add((long) frame.length());
            reader.read(frame);
        });
    }

    /** The reader refused the frame it was just given, ahead of older frames still waiting. */
    private long takeNewestReaderBytes() {
        Long bytes = readerBytes.pollLast();
        return bytes == null ? 0 : bytes;
    }

    /** The reader answered the oldest frame it was given: its bytes go back unless a create took them. */
    private long takeReaderBytes() {
        Long bytes = readerBytes.poll();
        return bytes == null ? 0 : bytes;
    }

    /** Where the frame reader delivers: each outcome answered, each guarded. */
    private final class Frames implements FrameReader.Sink {
        @Override
        public void onEvent(JsonNode event) {
            eventBytes = takeReaderBytes();
            try {
                guarded(() -> SocketSession.this.onEvent(event));
            } finally {
                inbound.release(eventBytes);
                eventBytes = 0;
            }
        }

        @Override
        public void onUnparsable(String detail) {
            inbound.release(takeReaderBytes());
            sendError(SocketRefusals.unparsable(detail), null);
        }

        @Override
        public void onBacklogFull(int limit) {
            inbound.release(takeNewestReaderBytes()); // refused as it arrives, while older frames wait
            sendError(SocketRefusals.framesWaiting(limit), null);
        }

        @Override
        public void onTooBig(long limitBytes) {
            inbound.release(takeNewestReaderBytes()); // (checked before it is held; kept for the reader's own check)
            close(new CloseReason(CLOSE_TOO_BIG, "message over " + limitBytes + " bytes"));
        }
    }

    private void onEvent(JsonNode event) {
        if (event == null || !event.isObject()) {
            sendError(SocketRefusals.notAnObject(), null);
            return;
        }
        JsonNode type = event.get("type");
        if (type == null || !type.isTextual()) {
            sendError(SocketRefusals.missingType(), null);
            return;
        }
        switch (type.textValue()) {
            case "response.create" -> onCreate(event);
            case "response.processed" -> {
                // a Codex acknowledgement: nothing to do (PROTOCOL.md Part A.3)
            }
            case "response.steer" -> sendFrame(SocketRefusals.steerFailed(json, event));
            case "response.inject" -> sendError(SocketRefusals.injectNotSupported(), null);
            default -> sendError(SocketRefusals.unknownType(type.textValue()), null);
        }
    }

    void onBinary() {
        guarded(this::refuseBinary);
    }

    private void refuseBinary() {
        if (!closed) {
            sendError(SocketRefusals.binary(), null);
        }
    }

    private void onCreate(JsonNode event) {
        String streamId = validStreamIdOrNull(event.get("stream_id"));
        CreateResponseRequest request;
        try {
            request = RequestParser.parse(event);
        } catch (ApiException e) {
            evictParentOf(event);
            sendError(e.error(), "stream_id".equals(e.error().param()) ? null : streamId);
            return;
        }
        if (request.background()) {
            slots.evict(request.previousResponseId());
            sendError(SocketRefusals.background(), streamId);
            return;
        }
        if (draining) {
            sendError(SocketRefusals.draining(), streamId);
            return;
        }
        if (aged) {
            sendError(SocketRefusals.connectionLimitReached(limits.maxAge()), null);
            return;
        }
        createBytes.put(request, eventBytes); // before submitting: the lane may start it at once
        switch (lanes.submit(streamId, request)) {
            case QUEUE_FULL -> {
                createBytes.remove(request);
                sendError(SocketRefusals.createsQueued(limits.maxQueued()), streamId);
            }
            case STREAM_LIMIT -> {
                createBytes.remove(request);
                sendError(SocketRefusals.streamLimit(limits.maxNamedLanes()), streamId);
            }
            case ACCEPTED -> eventBytes = 0; // held by the create until its turn ends
        }
    }

    /** A refusal to retry later (429, 503) before anything ran: the parent stays. */
    private static boolean retryable(Throwable failure) {
        return failure instanceof ApiException api && (api.error().status() == 429 || api.error().status() == 503);
    }

    /** An invalid create that names a {@code previous_response_id} evicts it, like any failed continuation. */
    private void evictParentOf(JsonNode event) {
        JsonNode previous = event.get("previous_response_id");
        if (previous != null && previous.isTextual()) {
            slots.evict(previous.textValue());
        }
    }

    // --- running a turn ---

    private void guardedStart(Lane lane, CreateResponseRequest request) {
        Long bytes = createBytes.remove(request);
        lane.runningBytes = bytes == null ? 0 : bytes;
        try {
            start(lane, request);
        } catch (RuntimeException failure) {
            unexpected(failure, lane.streamId);
            finished(lane, null, null);
        }
    }

    private void start(Lane lane, CreateResponseRequest request) {
        StoredResponse held = slots.holding(lane.key(), request.previousResponseId());
        if (request.previousResponseId() != null) {
            metrics.slotLookup(held != null);
        }
        conversations.prepare(tenant, request, held, UsageEvent.WEBSOCKET)
                .emitOn(this::runOnLoop)
                .subscribe().with(
                        turn -> {
                            try {
                                run(lane, turn, held);
                            } catch (RuntimeException failure) {
                                unexpected(failure, lane.streamId);
                                finished(lane, held, null);
                            }
                        },
                        failure -> {
                            sendError(failure, lane.streamId);
                            if (retryable(failure)) {
                                finished(lane, null, null); // overload or a store away: nothing ran, nothing is stale
                            } else {
                                slots.evict(request.previousResponseId()); // a failed continuation: held or not
                                finished(lane, held, null);
                            }
                        });
    }

    private void run(Lane lane, Turn turn, StoredResponse continued) {
        if (closed) {
            turn.abandon();
            return;
        }
        TurnRelay relay = new TurnRelay(lane.streamId, encoder, outbound, running, (result, failure) -> {
            if (failure != null) {
                LOG.errorf(failure, "turn %s failed on connection %s", turn.response().id(), connection.id());
                sendError(ApiError.internal(connection.id()), lane.streamId);
            }
            finished(lane, continued, result);
        });
        turn.steps().emitOn(this::runOnLoop).subscribe().withSubscriber(relay);
    }

    /** A turn ended: its result fills the lane's slot (or a failed continuation empties it), the lane moves on. */
    private void finished(Lane lane, StoredResponse continued, StoredResponse result) {
        if (closed) {
            return;
        }
        slots.settle(lane.key(), continued, result);
        inbound.release(lane.runningBytes);
        lane.runningBytes = 0;
        lanes.finished(lane);
        closeIfAgedAndIdle();
    }

    // --- lifetime ---

    /** The age limit passed: refuse new creates; tell an idle client and close once work drains. */
    void onAgeLimit() {
        if (closed || aged) {
            return;
        }
        aged = true;
        if (lanes.idle()) {
            sendError(SocketRefusals.connectionLimitReached(limits.maxAge()), null);
        }
        closeIfAgedAndIdle();
    }

    private void closeIfAgedAndIdle() {
        if (closed || !lanes.idle()) {
            return;
        }
        if (draining) {
            close(new CloseReason(CLOSE_GOING_AWAY, "replica draining: reconnect"));
        } else if (aged) {
            close(CloseReason.NORMAL);
        }
    }

    /** Graceful shutdown: refuse new creates, finish in-flight and queued work, then close with 1001. */
    void drain() {
        if (closed || draining) {
            return;
        }
        draining = true;
        closeIfAgedAndIdle();
    }

    /** The drain deadline passed: close now, cancelling what still runs. */
    void closeGoingAway() {
        close(new CloseReason(CLOSE_GOING_AWAY, "replica draining: reconnect"));
    }

    boolean isClosed() {
        return closed;
    }

    /** Closes a connection whose reader stopped reading past the send deadline. */
    void checkSendDeadline() {
        if (!closed && outbound.stalledNanos() > limits.sendDeadline().toNanos()) {
            LOG.warnf("closing connection %s: %d bytes unread for over %s", connection.id(), outbound.pendingBytes(),
                    limits.sendDeadline());
            metrics.slowConsumerClosed();
            close(new CloseReason(CLOSE_POLICY, "slow consumer: send deadline exceeded"));
            // the close frame queues behind the unread frames: drop the TCP connection too
            if (tcp != null) {
                tcp.close();
            }
        }
    }

    /** A paused socket whose tenant or replica was over budget reads again once they have room (checked each tick). */
    void resumeReadingIfRoomy() {
        inbound.resumeIfRoomy();
    }

    /** A reload of the keys took this connection's key away (or gave it to another tenant): close it with 1008. */
    void checkKey(TenantDirectory tenants) {
        long now = tenants.generation();
        if (closed || now == keysChecked) {
            return;
        }
        keysChecked = now;
        if (!tenants.admits(keyFingerprint, tenant)) {
            LOG.infof("closing connection %s of tenant '%s': its API key was revoked", connection.id(), tenant.value());
            metrics.revokedKeyClosed();
            close(new CloseReason(CLOSE_POLICY, "API key revoked"));
        }
    }

    void close(CloseReason reason) {
        if (closed) {
            return;
        }
        onClosed();
        connection.close(reason).subscribe().with(ok -> {
        }, failure -> LOG.debugf("close of %s failed: %s", connection.id(), failure.getMessage()));
    }

    /** The socket is gone: cancel running turns (their engines stop) and forget every slot. */
    void onClosed() {
        if (closed) {
            return;
        }
        closed = true;
        outbound.close();
        reader.close();
        inbound.close();
        readerBytes.clear();
        createBytes.clear();
        new HashSet<>(running).forEach(Cancellable::cancel);
        running.clear();
        lanes.close();
        slots.clear();
    }

    // --- unexpected failures ---

    /** Runs {@code step}; an exception it throws is answered with {@code server_error} and the socket stays usable. */
    private void guarded(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException | StackOverflowError failure) {
            unexpected(failure, null);
        }
    }

    private void unexpected(Throwable failure, String streamId) {
        String requestId = Ids.request();
        LOG.errorf(failure, "request %s failed unexpectedly on connection %s", requestId, connection.id());
        metrics.unexpectedFailure();
        sendError(ApiError.internal(requestId), streamId);
    }

    // --- outbound ---

    private void sendError(Throwable failure, String streamId) {
        if (failure instanceof ApiException api) {
            sendError(api.error(), streamId);
            return;
        }
        unexpected(failure, streamId);
    }

    private void sendError(ApiError error, String streamId) {
        if (!closed) {
            outbound.send(io.netty.buffer.Unpooled.wrappedBuffer(encoder.bytes(SocketError.of(error, streamId))));
        }
    }

    private void sendFrame(String frame) {
        if (!closed) {
            outbound.send(frame);
        }
    }

    private static String validStreamIdOrNull(JsonNode streamId) {
        return streamId != null && streamId.isTextual() && STREAM_ID.matcher(streamId.textValue()).matches()
                ? streamId.textValue() : null;
    }

    /** Runs {@code task} on this connection's event loop: at once when called there, else queued on it. */
    void runOnLoop(Runnable task) {
        if (outbound.onLoop()) {
            task.run();
        } else {
            context.runOnContext(ignored -> task.run());
        }
    }
}
