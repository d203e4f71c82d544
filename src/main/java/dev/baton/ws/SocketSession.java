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
import dev.baton.protocol.FunctionCallItem;
import dev.baton.protocol.FunctionCallOutputItem;
import dev.baton.protocol.Item;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.SocketError;
import dev.baton.protocol.SteerRequest;
import dev.baton.protocol.StreamEvent;
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
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
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
 *
 * <p>Why it is long (~800 lines): it is one connection's state machine — creates, steers, lanes, slots and the byte
 * budgets move together on every frame, and each step reads and changes several of them. The parts that stand alone
 * are their own classes ({@link FrameReader}, {@link LaneScheduler}, {@link Steers}, {@link SteerFrames},
 * {@link OutboundQueue}, {@link TurnRelay}, {@link InboundAccount}); splitting the rest would spread one
 * single-threaded state across classes that all need all of it.
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
    private final FrameReader reader;
    private final LaneScheduler lanes;
    private final ConnectionSlots slots;
    private final Steers steers = new Steers();
    private final SteerFrames steerFrames;
    private final Set<Cancellable> running = new HashSet<>();
    private final InboundAccount inbound;
    /** The bytes of each frame given to the reader and not yet answered, in order: the reader answers in order. */
    private final ArrayDeque<Long> readerBytes = new ArrayDeque<>();
    /** The bytes of each accepted create, from its frame until its turn starts (then on its {@link Lane}). */
    private final Map<CreateResponseRequest, Long> createBytes = new IdentityHashMap<>();
    /** Parked steers a create carries, until it starts: they are committed with it, or given back if it fails. */
    private final Map<CreateResponseRequest, Steers.Parked> carriedSteers = new IdentityHashMap<>();
    private long eventBytes; // the bytes of the event being handled, until handed to a create or given back
    private boolean aged;
    private boolean draining;
    private boolean closed;
    private Runnable released = () -> { };
    private final String keyFingerprint;
    private long keysChecked;

    SocketSession(WebSocketConnection connection, TenantId tenant, Context context, Conversations conversations,
                  ObjectMapper json, BatonConfig.WebSocket limits, int parseInlineMaxChars, SocketMetrics metrics,
                  HttpConnection tcp, OutboundQueue outbound, EventEncoder encoder, String keyFingerprint,
                  long keysGeneration, InboundBytes replicaInbound, ConnectionSlots slots) {
        this.connection = connection;
        this.slots = slots;
        this.keyFingerprint = keyFingerprint;
        this.keysChecked = keysGeneration;
        this.tenant = tenant;
        this.context = context;
        this.conversations = conversations;
        this.json = json;
        this.limits = limits;
        this.metrics = metrics;
        this.inbound = new InboundAccount(tenant, replicaInbound, limits.maxInboundBytes(), tcp, metrics);
        this.outbound = outbound;
        this.encoder = encoder;
        this.steerFrames = new SteerFrames(json);
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
            case "response.steer" -> onSteer(event);
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
        long bytes = eventBytes;
        Steers.Parked parked = steers.unpark(Lane.key(streamId));
        Steers.Parked taken = null;
        if (parked != null && parked.parentId().equals(request.previousResponseId())) {
            // it brings the tool output the parked steers waited for: their input goes ahead of the request's own,
            // in submission order, but after the tool outputs that lead it (a call's output must follow the call:
            // chat engines refuse a user message between them); the request keeps its own settings
            List<Item> own = request.input();
            int outputs = 0;
            while (outputs < own.size() && own.get(outputs) instanceof FunctionCallOutputItem) {
                outputs++;
            }
            List<Item> input = new ArrayList<>(own.subList(0, outputs));
            input.addAll(parked.input());
            input.addAll(own.subList(outputs, own.size()));
            request = request.withInput(input);
            bytes += parked.bytes();
            taken = parked;
        }
        createBytes.put(request, bytes); // before submitting: the lane may start it at once
        if (taken != null) {
            carriedSteers.put(request, taken); // committed when it starts, given back if it cannot
        }
        switch (lanes.submit(streamId, request)) {
            case QUEUE_FULL -> {
                createBytes.remove(request);
                carriedSteers.remove(request);
                keepParked(parked, streamId);
                sendError(SocketRefusals.createsQueued(limits.maxQueued()), streamId);
            }
            case STREAM_LIMIT -> {
                createBytes.remove(request);
                carriedSteers.remove(request);
                keepParked(parked, streamId);
                sendError(SocketRefusals.streamLimit(limits.maxNamedLanes()), streamId);
            }
            case ACCEPTED -> {
                eventBytes = 0; // held by the create until its turn ends
                if (taken == null && parked != null) {
                    failParked(parked, streamId); // the lane moved on without the tool output they waited for
                }
            }
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
        Steers.Parked carried = carriedSteers.remove(request);
        try {
            start(lane, request, carried);
        } catch (RuntimeException failure) {
            unexpected(failure, lane.streamId);
            giveBackSteers(lane, carried, failure);
            finished(lane, null, null);
        }
    }

    /**
     * A create that carried parked steers did not start: a refusal to retry later (429, 503) parks them again for the
     * retry, anything else fails them — never silently lost. Their bytes leave the create's and stay with them (parked)
     * or are released (failed).
     */
    private void giveBackSteers(Lane lane, Steers.Parked carried, Throwable failure) {
        if (carried == null) {
            return;
        }
        lane.runningBytes -= carried.bytes();
        Steers.Parked newer = steers.unpark(lane.key()); // parked meanwhile by a response that ran before this create
        if (newer == null && retryable(failure)) {
            keepParked(carried, lane.streamId);
        } else {
            keepParked(newer, lane.streamId);
            failParked(carried, lane.streamId);
        }
    }

    private void start(Lane lane, CreateResponseRequest request, Steers.Parked carried) {
        StoredResponse held = slots.holding(lane.key(), request.previousResponseId());
        if (request.previousResponseId() != null) {
            metrics.slotLookup(held != null);
        }
        conversations.prepare(tenant, request, held, UsageEvent.WEBSOCKET)
                .emitOn(this::runOnLoop)
                .subscribe().with(
                        turn -> {
                            Steers.Target steered = steers.takeSuccessor(request);
                            if (steered != null && steered.queued.size() > steered.carried) {
                                turn.abandon(); // steers joined while it was prepared: one successor takes them all
                                prepareSuccessor(lane, steered);
                                return;
                            }
                            if (steered != null) { // its created commits the steers; later ones miss the steered response
                                steers.ended(steered);
                                metrics.steers("committed", steered.carried);
                            }
                            if (carried != null) {
                                metrics.steers("committed", carried.steers().size());
                            }
                            try {
                                run(lane, request, turn, held);
                            } catch (RuntimeException failure) {
                                unexpected(failure, lane.streamId);
                                finished(lane, held, null);
                            }
                        },
                        failure -> {
                            Steers.Target steered = steers.takeSuccessor(request);
                            if (steered != null) { // a steered response's successor: its steers come back, the chain stays
                                steers.ended(steered);
                                for (SteerRequest joined : steered.queued.subList(steered.carried, steered.queued.size())) {
                                    inbound.release(joined.bytes()); // (the carried ones are the lane's running bytes)
                                }
                                successorFailed(steered.queued, failure, lane.streamId);
                                finished(lane, null, null);
                                return;
                            }
                            sendError(failure, lane.streamId);
                            giveBackSteers(lane, carried, failure);
                            if (retryable(failure)) {
                                finished(lane, null, null); // overload or a store away: nothing ran, nothing is stale
                            } else {
                                slots.evict(request.previousResponseId()); // a failed continuation: held or not
                                finished(lane, held, null);
                            }
                        });
    }

    private void run(Lane lane, CreateResponseRequest request, Turn turn, StoredResponse continued) {
        if (closed) {
            turn.abandon();
            return;
        }
        Steers.Target target = steers.started(turn.response().id(), lane, request, turn.steering());
        TurnRelay relay = new TurnRelay(lane.streamId, encoder, outbound, running, (result, terminal, failure) -> {
            if (failure instanceof ApiException refused) { // stopped for a reason its client is told (lease lost)
                LOG.warnf("turn %s on connection %s stopped: %s", turn.response().id(), connection.id(), refused.getMessage());
                sendError(refused.error(), lane.streamId);
            } else if (failure != null) {
                LOG.errorf(failure, "turn %s failed on connection %s", turn.response().id(), connection.id());
                sendError(ApiError.internal(connection.id()), lane.streamId);
            }
            if (successorFollows(target, result, terminal)) {
                // a loop pass later: steers already on their way are committed with it
                context.runOnContext(ignored -> startSuccessor(target, continued, result));
            } else {
                finished(lane, continued, result);
            }
        });
        try {
            turn.steps().emitOn(this::runOnLoop).subscribe().withSubscriber(relay);
        } catch (RuntimeException failure) {
            steers.ended(target); // it never ran: nothing can steer it
            throw failure;
        }
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

    // --- steering (PROTOCOL.md Part A §2.2) ---

    /** A {@code response.steer}: refused, or queued for its response (which stops for it when it still can). */
    private void onSteer(JsonNode event) {
        SteerRequest steer;
        try {
            steer = SteerRequest.parse(event, eventBytes);
        } catch (SteerRequest.Invalid invalid) {
            JsonNode previous = event.get("previous_response_id");
            refuseSteer(steerFrames.failed(0, null, previous != null && previous.isTextual() ? previous.textValue() : null,
                    event.get("input"), "invalid_input", invalid.getMessage(), null), "invalid_input");
            return;
        }
        Steers.Target target = steers.running(steer.previousResponseId());
        if (target == null) {
            Steers.Parked parked = steers.parkedOn(steer.previousResponseId());
            String code = parked != null ? "response_already_completed" : steers.missCode(steer.previousResponseId());
            refuseSteer(steerFrames.failed(0, steer, code, missMessage(code, steer.previousResponseId()), null), code);
            return;
        }
        String streamId = target.lane.streamId;
        if (!target.steerable()) {
            refuseSteer(steerFrames.failed(0, steer, "steering_not_supported", "Responses bound to a conversation or"
                    + " using automatic compaction (context_management) cannot be steered; send the input with the next"
                    + " response.create.", streamId), "steering_not_supported");
            return;
        }
        if (target.queued.size() >= limits.maxPendingSteers()) {
            refuseSteer(steerFrames.failed(0, steer, "too_many_pending_steers", "Response '" + target.responseId
                    + "' already has " + limits.maxPendingSteers() + " steers waiting (BATON_WS_MAX_PENDING_STEERS);"
                    + " send this one once they are committed.", streamId), "too_many_pending_steers");
            return;
        }
        SteerRequest accepted = steer.withId(Ids.steer());
        eventBytes = 0; // held by the steer until its successor ends, or given back when it fails
        target.queued.add(accepted);
        metrics.steers("accepted", 1);
        if (target.awaitingSuccessor()) { // the response ended; its successor, about to start, takes this one too
            sendFrame(steerFrames.accepted(target.successorSequence++, accepted, streamId));
        } else if (target.stoppedBy == null) {
            // set first: stopping may end the response (and settle its steers) before stopFor returns
            target.stoppedBy = accepted; // the response acknowledges it among its own events, then ends steered
            if (!target.steering.stopFor(accepted)) {
                target.stoppedBy = null; // past its last word, or holding a function call: acknowledged when it ends
            }
        }
    }

    private void refuseSteer(String frame, String code) {
        metrics.steers("failed_" + code, 1);
        sendFrame(frame);
    }

    private static String missMessage(String code, String responseId) {
        return switch (code) {
            case "response_already_completed" -> "Response '" + responseId + "' already completed; send the input with"
                    + " a response.create that continues it.";
            case "response_not_active" -> "Response '" + responseId + "' is no longer running; send the input with a"
                    + " response.create.";
            default -> "No response '" + responseId + "' is running on this connection; steer a response while it"
                    + " streams, on the connection that created it.";
        };
    }

    /**
     * A response ended: the steers queued for it go on. After a response that stopped for them (or ended on its own
     * without waiting for tool output) their successor runs next on the lane with its settings ({@code true}: the
     * caller starts it with {@link #startSuccessor}); after one that waits for tool output they are parked
     * ({@code response.steer.pending}) for the create that brings it; after a failure they come back. Steers its
     * response did not acknowledge itself are acknowledged first, after its terminal event.
     */
    private boolean successorFollows(Steers.Target target, StoredResponse result, StreamEvent terminal) {
        ResponseObject ended = terminal instanceof StreamEvent.Lifecycle lifecycle ? lifecycle.response() : null;
        target.endedStatus = ended == null ? null : ended.status();
        if (target.queued.isEmpty() || closed) {
            steers.ended(target);
            return false;
        }
        String streamId = target.lane.streamId;
        int sequence = terminal == null ? 0 : terminal.sequenceNumber() + 1;
        if (result == null || ended == null || !ended.continuable()) {
            steers.ended(target);
            for (SteerRequest steer : target.queued) {
                inbound.release(steer.bytes());
                refuseSteer(steerFrames.failed(sequence++, steer, "response_not_active", "Response '"
                        + target.responseId + "' ended " + (ended == null ? "with an error" : ended.status())
                        + " before the steering input was committed; send it with your next response.create.",
                        streamId), "response_not_active");
            }
            return false;
        }
        for (SteerRequest steer : target.queued) {
            if (steer != target.stoppedBy) {
                sendFrame(steerFrames.accepted(sequence++, steer, streamId));
            }
        }
        List<FunctionCallItem> required = ended.output().stream().filter(FunctionCallItem.class::isInstance)
                .map(FunctionCallItem.class::cast).toList();
        if (!required.isEmpty()) {
            steers.ended(target);
            for (SteerRequest steer : target.queued) {
                sendFrame(steerFrames.pending(sequence++, steer, required, streamId));
            }
            metrics.steers("pending", target.queued.size());
            Steers.Parked earlier = steers.unpark(target.lane.key());
            if (earlier != null) {
                failParked(earlier, streamId);
            }
            steers.park(target.lane.key(), new Steers.Parked(target.responseId, List.copyOf(target.queued)));
            return false;
        }
        target.successorSequence = sequence; // still steerable: late steers join the successor
        return true;
    }

    /**
     * The successor of a steered (or steer-raced) response: next on its lane, with every steer queued so far. Until its
     * {@code response.created}, steers for the steered response still join it.
     */
    private void startSuccessor(Steers.Target target, StoredResponse continued, StoredResponse result) {
        if (closed) {
            return; // the queued steering input is lost with the connection
        }
        try {
            CreateResponseRequest successor = successorOf(target);
            createBytes.put(successor, target.queued.stream().mapToLong(SteerRequest::bytes).sum());
            lanes.followUp(target.lane, successor);
        } catch (RuntimeException failure) {
            steers.ended(target);
            target.queued.forEach(steer -> inbound.release(steer.bytes()));
            successorFailed(target.queued, failure, target.lane.streamId);
        }
        finished(target.lane, continued, result);
    }

    /** Steers joined a successor while it was prepared: it is prepared again, on its lane, with them. */
    private void prepareSuccessor(Lane lane, Steers.Target target) {
        long joinedBytes = target.queued.subList(target.carried, target.queued.size()).stream()
                .mapToLong(SteerRequest::bytes).sum();
        lane.runningBytes += joinedBytes;
        try {
            start(lane, successorOf(target), null);
        } catch (RuntimeException failure) {
            steers.ended(target);
            successorFailed(target.queued, failure, lane.streamId);
            finished(lane, null, null);
        }
    }

    /** The successor's request: the steered response's settings, the queued steering input in submission order. */
    private CreateResponseRequest successorOf(Steers.Target target) {
        List<Item> input = new ArrayList<>();
        for (SteerRequest steer : target.queued) {
            input.addAll(steer.input());
        }
        CreateResponseRequest successor = target.request.successor(target.responseId, input);
        target.carried = target.queued.size();
        steers.successor(successor, target);
        return successor;
    }

    /** The successor could not be created: each steer comes back with its input; the steered chain is intact. */
    private void successorFailed(List<SteerRequest> carried, Throwable failure, String streamId) {
        String why = failure instanceof ApiException api ? api.error().message() : "an unexpected gateway failure";
        LOG.infof("the successor of %s on connection %s was not created: %s", carried.get(0).previousResponseId(),
                connection.id(), why);
        for (SteerRequest steer : carried) {
            refuseSteer(steerFrames.failed(0, steer, "successor_creation_failed", "The response continuing '"
                    + steer.previousResponseId() + "' with the steering input could not be created: " + why, streamId),
                    "successor_creation_failed");
        }
    }

    /** A create that was refused leaves the lane's parked steers where they were. */
    private void keepParked(Steers.Parked parked, String streamId) {
        if (parked != null) {
            steers.park(Lane.key(streamId), parked);
        }
    }

    /** Parked steers whose lane moved on without the tool output they waited for. */
    private void failParked(Steers.Parked parked, String streamId) {
        for (SteerRequest steer : parked.steers()) {
            inbound.release(steer.bytes());
            refuseSteer(steerFrames.failed(0, steer, "response_not_active", "The lane moved on without the tool output"
                    + " response '" + parked.parentId() + "' waited for; send the input with your next response.create.",
                    streamId), "response_not_active");
        }
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
            closeSlowConsumer("slow consumer: send deadline exceeded");
        }
    }

    private void closeSlowConsumer(String reason) {
        close(new CloseReason(CLOSE_POLICY, reason));
        // the close frame queues behind the unread frames: drop the TCP connection too
        outbound.abort();
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
        carriedSteers.clear();
        new HashSet<>(running).forEach(Cancellable::cancel);
        running.clear();
        lanes.close();
        slots.clear();
        steers.clear(); // queued steering input is lost with the connection (PROTOCOL.md Part A §2.2)
        released.run();
    }

    /**
     * What the endpoint releases once this connection closes (its count, its tenant's socket, its timers), run once:
     * when the session closes it (the TCP connection may linger until the close handshake times out) or the client.
     */
    void whenClosed(Runnable release) {
        this.released = release;
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
        if (!closed && !closedForOverflow()) {
            outbound.send(Unpooled.wrappedBuffer(encoder.bytes(SocketError.of(error, streamId))));
        }
    }

    /** An answer frame (a steer's acknowledgement or refusal, which may echo the client's input). */
    private void sendFrame(String frame) {
        if (!closed && !closedForOverflow()) {
            outbound.send(frame);
        }
    }

    /**
     * Answers to a client that keeps sending while it reads nothing would pile up until the send deadline: past twice
     * the outbound limit the connection is closed instead ({@code true}).
     */
    private boolean closedForOverflow() {
        if (!outbound.overflowing()) {
            return false;
        }
        LOG.warnf("closing connection %s: %d bytes unread and more frames to answer", connection.id(),
                outbound.pendingBytes());
        metrics.overflowingConsumerClosed();
        closeSlowConsumer("slow consumer: outbound queue overflowing");
        return true;
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
