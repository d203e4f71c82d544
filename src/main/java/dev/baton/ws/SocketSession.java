package dev.baton.ws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.RequestParser;
import dev.baton.protocol.SocketError;
import dev.baton.protocol.StreamEvent;
import dev.baton.protocol.Utf8;
import dev.baton.session.Ids;
import dev.baton.session.StoredResponse;
import dev.baton.session.TenantId;
import dev.baton.turn.Turn;
import dev.baton.turn.TurnPipeline;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Context;
import io.vertx.core.http.HttpConnection;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
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
    private final TurnPipeline pipeline;
    private final ObjectMapper json;
    private final BatonConfig.WebSocket limits;
    private final SocketMetrics metrics;
    private final OutboundQueue outbound;
    private final HttpConnection tcp;
    private final Map<String, Lane> lanes = new HashMap<>();
    private final ArrayDeque<Lane> waitingForCapacity = new ArrayDeque<>();
    private final Set<Cancellable> running = new HashSet<>();
    private final ArrayDeque<String> framesWaitingForParse = new ArrayDeque<>();
    private final int parseInlineMaxChars;
    private boolean parsingOffLoop;
    private int namedLanes;
    private int inFlight;
    private int queued;
    private boolean aged;
    private boolean draining;
    private boolean closed;

    SocketSession(WebSocketConnection connection, TenantId tenant, Context context, TurnPipeline pipeline,
                  ObjectMapper json, BatonConfig.WebSocket limits, int parseInlineMaxChars, SocketMetrics metrics,
                  HttpConnection tcp) {
        this.connection = connection;
        this.parseInlineMaxChars = parseInlineMaxChars;
        this.tenant = tenant;
        this.context = context;
        this.pipeline = pipeline;
        this.json = json;
        this.limits = limits;
        this.metrics = metrics;
        this.tcp = tcp;
        this.outbound = new OutboundQueue(connection, context, limits.outboundQueueFrames(), metrics);
    }

    // --- inbound frames ---

    /** Every frame gets exactly one answer: a failure nobody expected becomes a {@code server_error} event. */
    void onText(String frame) {
        guarded(() -> receive(frame));
    }

    private void receive(String frame) {
        if (closed) {
            return;
        }
        if (frame.length() > limits.maxMessageBytes() / 3 && Utf8.length(frame) > limits.maxMessageBytes()) {
            close(new CloseReason(CLOSE_TOO_BIG, "message over " + limits.maxMessageBytes() + " bytes"));
            return;
        }
        if (parsingOffLoop) {
            if (framesWaitingForParse.size() >= limits.maxQueued()) {
                sendError(new ApiError(429, ApiError.INVALID_REQUEST, "websocket_queue_full", null,
                        "Too many messages waiting on this connection (" + limits.maxQueued() + ")."), null);
                return;
            }
            framesWaitingForParse.add(frame); // keeps the connection's order behind the frame being parsed
            return;
        }
        if (frame.length() > parseInlineMaxChars) {
            parseOffLoop(frame);
            return;
        }
        JsonNode event;
        try {
            event = json.readTree(frame);
        } catch (JsonProcessingException e) {
            onUnparsable(e);
            return;
        }
        onEvent(event);
    }

    /** A large frame is parsed on a worker, so that it does not stall the other connections of this event loop. */
    private void parseOffLoop(String frame) {
        parsingOffLoop = true;
        context.<JsonNode>executeBlocking(() -> json.readTree(frame), false).onComplete(parsed -> {
            parsingOffLoop = false;
            if (closed) {
                return;
            }
            if (parsed.succeeded()) {
                guarded(() -> onEvent(parsed.result()));
            } else {
                onUnparsable(parsed.cause());
            }
            while (!parsingOffLoop && !closed && !framesWaitingForParse.isEmpty()) {
                onText(framesWaitingForParse.poll());
            }
        });
    }

    private void onUnparsable(Throwable failure) {
        String detail = failure instanceof JsonProcessingException parse ? parse.getOriginalMessage() : failure.getMessage();
        sendError(ApiError.invalidRequest(null, "invalid_json", "We could not parse the JSON of your message: " + detail),
                null);
    }

    private void onEvent(JsonNode event) {
        if (event == null || !event.isObject()) {
            sendError(ApiError.invalidRequest(null, "invalid_json", "Each message must be one JSON object."), null);
            return;
        }
        JsonNode type = event.get("type");
        if (type == null || !type.isTextual()) {
            sendError(ApiError.invalidRequest("type", "missing_required_parameter",
                    "Missing required parameter: 'type'."), null);
            return;
        }
        switch (type.textValue()) {
            case "response.create" -> onCreate(event);
            case "response.processed" -> {
                // a Codex acknowledgement: nothing to do (PROTOCOL.md Part A.3)
            }
            case "response.steer" -> steerFailed(event);
            case "response.inject" -> sendError(ApiError.invalidRequest("type", "inject_not_supported",
                    "response.inject is not supported by this server's engine; send the items with the next response.create."),
                    null);
            default -> sendError(ApiError.invalidRequest("type", "unknown_event_type",
                    "Unknown event type '" + type.textValue() + "'. Supported: response.create, response.processed."),
                    null);
        }
    }

    void onBinary() {
        guarded(this::refuseBinary);
    }

    private void refuseBinary() {
        if (!closed) {
            sendError(ApiError.invalidRequest(null, "binary_not_supported",
                    "Binary frames are not supported; send each event as one JSON text frame."), null);
        }
    }

    private void onCreate(JsonNode event) {
        String streamId = validStreamIdOrNull(event.get("stream_id"));
        CreateResponseRequest request;
        try {
            request = RequestParser.parse(event);
        } catch (ApiException e) {
            sendError(e.error(), "stream_id".equals(e.error().param()) ? null : streamId);
            return;
        }
        if (request.background()) {
            sendError(ApiError.invalidRequest("background", "unsupported_parameter",
                    "Background responses are not supported over WebSocket."), streamId);
            return;
        }
        if (draining) {
            sendError(new ApiError(503, ApiError.SERVER_ERROR, "server_draining", null,
                    "This replica is shutting down; reconnect and continue with previous_response_id."), streamId);
            return;
        }
        if (aged) {
            sendError(connectionLimitReached(), null);
            return;
        }
        // every refusal comes before the lane is created: a refused create changes nothing
        if (queued >= limits.maxQueued()) {
            sendError(new ApiError(429, ApiError.INVALID_REQUEST, "websocket_queue_full", null,
                    "Too many queued response.create events on this connection (" + limits.maxQueued() + ")."), streamId);
            return;
        }
        String key = streamId == null ? "" : streamId;
        Lane lane = lanes.get(key);
        if (lane == null) {
            if (streamId != null && namedLanes >= limits.maxNamedLanes()) {
                sendError(ApiError.invalidRequest("stream_id", "websocket_stream_limit_reached",
                        "This connection already used " + limits.maxNamedLanes()
                                + " stream_id values; open a new connection for more."), streamId);
                return;
            }
            lane = new Lane(streamId);
            lanes.put(key, lane);
            if (streamId != null) {
                namedLanes++;
            }
        }
        lane.pending.add(request);
        queued++;
        metrics.queued(1);
        pump(lane);
    }

    private void steerFailed(JsonNode event) {
        ObjectNode failed = json.createObjectNode();
        failed.put("type", "response.steer.failed");
        failed.put("sequence_number", 0);
        ObjectNode steer = failed.putObject("steer");
        steer.set("previous_response_id", event.get("previous_response_id"));
        steer.set("input", event.get("input"));
        ObjectNode error = failed.putObject("error");
        error.put("type", ApiError.INVALID_REQUEST);
        error.put("code", "steering_not_supported");
        error.put("message", "Steering is not supported by this server's engine; send the input with the next response.create.");
        sendFrame(failed.toString());
    }

    // --- lanes and the in-flight limit ---

    private void pump(Lane lane) {
        if (closed || lane.busy || lane.pending.isEmpty()) {
            return;
        }
        if (inFlight >= limits.maxInFlight()) {
            if (!lane.waitingForCapacity) {
                lane.waitingForCapacity = true;
                waitingForCapacity.add(lane);
            }
            return;
        }
        CreateResponseRequest request = lane.pending.poll();
        queued--;
        metrics.queued(-1);
        start(lane, request);
    }

    private void start(Lane lane, CreateResponseRequest request) {
        lane.busy = true;
        inFlight++;
        metrics.inFlight(1);
        StoredResponse held = slotFor(lane, request.previousResponseId());
        boolean continuesOwnLane = held != null && held == lane.latest;
        pipeline.prepare(tenant, request, held)
                .emitOn(this::onLoop)
                .subscribe().with(
                        turn -> guardedTurn(() -> run(lane, turn, continuesOwnLane ? held : null), lane,
                                continuesOwnLane ? held : null),
                        failure -> {
                            sendError(failure, lane.streamId);
                            evictFailedParent(lane, continuesOwnLane ? held : null);
                            finished(lane);
                        });
    }

    /** The connection slot holding {@code responseId}: the lane's own first, then any other lane's (a fork). */
    private StoredResponse slotFor(Lane lane, String responseId) {
        if (responseId == null) {
            return null;
        }
        if (lane.latest != null && lane.latest.id().equals(responseId)) {
            metrics.slotHit();
            return lane.latest;
        }
        for (Lane other : lanes.values()) {
            if (other.latest != null && other.latest.id().equals(responseId)) {
                metrics.slotHit();
                return other.latest;
            }
        }
        metrics.slotMiss();
        return null;
    }

    private void run(Lane lane, Turn turn, StoredResponse ownParent) {
        if (closed) {
            return;
        }
        String prefix = lane.streamId == null ? null : "{\"stream_id\":\"" + lane.streamId + "\",";
        turn.events().emitOn(this::onLoop).subscribe().withSubscriber(new Flow.Subscriber<StreamEvent>() {
            private Flow.Subscription subscription;
            private final Cancellable cancel = () -> subscription.cancel();

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                running.add(cancel);
                s.request(1);
            }

            @Override
            public void onNext(StreamEvent event) {
                sendFrame(withStreamId(prefix, serialize(event)));
                outbound.whenWritable(() -> subscription.request(1));
            }

            @Override
            public void onError(Throwable failure) {
                running.remove(cancel);
                LOG.errorf(failure, "turn %s failed on connection %s", turn.response().id(), connection.id());
                sendError(ApiError.internal(connection.id()), lane.streamId);
                evictFailedParent(lane, ownParent);
                finished(lane);
            }

            @Override
            public void onComplete() {
                running.remove(cancel);
                StoredResponse result = turn.finished().getNow(null);
                if (result != null && result.context() != null) {
                    lane.latest = result;
                } else {
                    evictFailedParent(lane, ownParent);
                }
                finished(lane);
            }
        });
    }

    /** A failed same-lane continuation evicts the parent it continued (PROTOCOL.md B §4.3). */
    private static void evictFailedParent(Lane lane, StoredResponse ownParent) {
        if (ownParent != null && lane.latest == ownParent) {
            lane.latest = null;
        }
    }

    private void finished(Lane lane) {
        if (closed) {
            return; // onClosed already released the connection's counters
        }
        lane.busy = false;
        inFlight--;
        metrics.inFlight(-1);
        pump(lane);
        while (inFlight < limits.maxInFlight() && !waitingForCapacity.isEmpty()) {
            Lane next = waitingForCapacity.poll();
            next.waitingForCapacity = false;
            pump(next);
        }
        closeIfAgedAndIdle();
    }

    // --- lifetime ---

    /** The age limit passed: refuse new creates; tell an idle client and close once work drains. */
    void onAgeLimit() {
        if (closed || aged) {
            return;
        }
        aged = true;
        if (inFlight == 0 && queued == 0) {
            sendError(connectionLimitReached(), null);
        }
        closeIfAgedAndIdle();
    }

    private void closeIfAgedAndIdle() {
        if (closed || inFlight > 0 || queued > 0) {
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
            LOG.warnf("closing connection %s: %d frames unflushed for over %s", connection.id(), outbound.pending(),
                    limits.sendDeadline());
            metrics.slowConsumerClosed();
            close(new CloseReason(CLOSE_POLICY, "slow consumer: send deadline exceeded"));
            // the close frame queues behind the unread frames: drop the TCP connection too
            if (tcp != null) {
                tcp.close();
            }
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
        new HashSet<>(running).forEach(Cancellable::cancel);
        running.clear();
        metrics.inFlight(-inFlight);
        metrics.queued(-queued);
        inFlight = 0;
        queued = 0;
        lanes.clear();
        waitingForCapacity.clear();
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

    /** As {@link #guarded}, for the step that starts a prepared turn: the lane is released if it throws. */
    private void guardedTurn(Runnable step, Lane lane, StoredResponse ownParent) {
        try {
            step.run();
        } catch (RuntimeException failure) {
            unexpected(failure, lane.streamId);
            evictFailedParent(lane, ownParent);
            finished(lane);
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
        sendFrame(serialize(SocketError.of(error, streamId)));
    }

    private void sendFrame(String frame) {
        if (!closed) {
            outbound.send(frame);
        }
    }

    private String serialize(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    private static String withStreamId(String prefix, String eventJson) {
        return prefix == null ? eventJson : prefix + eventJson.substring(1);
    }

    private ApiError connectionLimitReached() {
        return ApiError.invalidRequest(null, "websocket_connection_limit_reached",
                "Responses websocket connection limit reached (" + describe(limits.maxAge())
                        + "). Create a new websocket connection to continue.");
    }

    private static String describe(java.time.Duration age) {
        return age.toSeconds() % 60 == 0 ? age.toMinutes() + " minutes" : age.toMillis() + " ms";
    }

    private static String validStreamIdOrNull(JsonNode streamId) {
        return streamId != null && streamId.isTextual() && STREAM_ID.matcher(streamId.textValue()).matches()
                ? streamId.textValue() : null;
    }


    /** Runs {@code task} on this connection's event loop. */
    void runOnLoop(Runnable task) {
        context.runOnContext(ignored -> task.run());
    }

    private void onLoop(Runnable task) {
        context.runOnContext(ignored -> task.run());
    }
}
