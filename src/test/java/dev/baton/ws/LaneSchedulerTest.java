package dev.baton.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.protocol.CreateResponseRequest;
import dev.baton.protocol.RequestParser;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lane rules of PROTOCOL.md Part A.5, driven without a socket. */
class LaneSchedulerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> started = new ArrayList<>();
    private final List<Lane> running = new ArrayList<>();

    private LaneScheduler scheduler(int maxInFlight, int maxQueued, int maxNamedLanes) {
        return new LaneScheduler(maxInFlight, maxQueued, maxNamedLanes, new SocketMetrics(registry), (lane, request) -> {
            started.add(request.instructions());
            running.add(lane);
        });
    }

    private static CreateResponseRequest create(String name) {
        try {
            return RequestParser.parse(JSON.readTree("{\"model\":\"m\",\"instructions\":\"" + name + "\"}"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void finish(LaneScheduler scheduler, String name) {
        int index = started.indexOf(name);
        scheduler.finished(running.get(index));
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    void createsOnOneLaneRunOneAtATimeInArrivalOrder() {
        LaneScheduler lanes = scheduler(8, 8, 4);
        lanes.submit(null, create("a1"));
        lanes.submit(null, create("a2"));
        lanes.submit("b", create("b1"));
        assertEquals(List.of("a1", "b1"), started, "a lane's second create waits for its first");
        assertEquals(1, lanes.queued());
        finish(lanes, "a1");
        assertEquals(List.of("a1", "b1", "a2"), started);
        finish(lanes, "b1");
        finish(lanes, "a2");
        assertTrue(lanes.idle());
        assertEquals(0.0, gauge("baton_ws_in_flight_responses"));
        assertEquals(0.0, gauge("baton_ws_queued_creates"));
    }

    @Test
    void theInFlightLimitStartsWaitingLanesInTheOrderTheyWaited() {
        LaneScheduler lanes = scheduler(2, 8, 8);
        for (String lane : List.of("a", "b", "c", "d")) {
            lanes.submit(lane, create(lane));
        }
        assertEquals(List.of("a", "b"), started);
        assertEquals(2.0, gauge("baton_ws_in_flight_responses"));
        assertEquals(2.0, gauge("baton_ws_queued_creates"));
        finish(lanes, "b");
        assertEquals(List.of("a", "b", "c"), started, "the first lane that waited starts first");
        finish(lanes, "a");
        assertEquals(List.of("a", "b", "c", "d"), started);
    }

    @Test
    void aRefusedCreateChangesNothing() {
        LaneScheduler lanes = scheduler(1, 2, 1);
        assertEquals(LaneScheduler.Admission.ACCEPTED, lanes.submit(null, create("run")));
        assertEquals(LaneScheduler.Admission.ACCEPTED, lanes.submit(null, create("q1")));
        assertEquals(LaneScheduler.Admission.ACCEPTED, lanes.submit(null, create("q2")));
        assertEquals(LaneScheduler.Admission.QUEUE_FULL, lanes.submit("named", create("refused")));
        assertEquals(0, lanes.namedLanes(), "a create refused for a full queue does not use up a named lane");
        assertEquals(List.of(""), lanes.laneKeys());
        finish(lanes, "run");
        assertEquals(LaneScheduler.Admission.ACCEPTED, lanes.submit("named", create("n1")));
        finish(lanes, "q1");
        assertEquals(LaneScheduler.Admission.STREAM_LIMIT, lanes.submit("other", create("refused too")));
        assertEquals(1, lanes.namedLanes());
        assertEquals(LaneScheduler.Admission.ACCEPTED, lanes.submit("named", create("n2")),
                "a lane that exists takes more creates");
        assertEquals(List.of("run", "q1", "q2"), started);
    }

    @Test
    void closingGivesBackTheCountersAndStartsNothingMore() {
        LaneScheduler lanes = scheduler(1, 8, 8);
        lanes.submit(null, create("a"));
        lanes.submit(null, create("b"));
        lanes.close();
        assertEquals(0.0, gauge("baton_ws_in_flight_responses"));
        assertEquals(0.0, gauge("baton_ws_queued_creates"));
        finish(lanes, "a");
        assertEquals(List.of("a"), started, "nothing starts after close");
        assertEquals(0.0, gauge("baton_ws_in_flight_responses"), "a late end does not count twice");
    }
}
