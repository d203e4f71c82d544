package dev.baton.background;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.protocol.ApiException;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.StreamEvent;
import dev.baton.session.TenantId;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A background response never waits for the clients following it: it keeps its latest events, a follower that stops
 * reading is ended with a clear error once it falls too far behind, and the others get every event.
 */
class BackgroundRunTest {

    private static final int MAX_EVENTS = 5;
    private static final ResponseObject FIRST = ResponseObject.builder("resp_bg", 0, "m")
            .status(ResponseObject.IN_PROGRESS).build();

    private final BackgroundRun run = new BackgroundRun(new RunKey(TenantId.OPEN, "resp_bg"), FIRST, MAX_EVENTS, false);
    private final AtomicInteger lagging = new AtomicInteger();

    private static StreamEvent delta(int sequenceNumber) {
        return new StreamEvent.OutputTextDelta(sequenceNumber, "msg_1", 0, 0, "t" + sequenceNumber, List.of());
    }

    private static List<Integer> sequenceNumbers(AssertSubscriber<StreamEvent> follower) {
        return follower.getItems().stream().map(StreamEvent::sequenceNumber).toList();
    }

    private AssertSubscriber<StreamEvent> follow(int startingAfter, long requested) {
        return run.follow(startingAfter, lagging::incrementAndGet).subscribe().withSubscriber(AssertSubscriber.create(requested));
    }

    @Test
    void aFollowerThatStopsReadingIsEndedWhileTheOthersGetEveryEvent() {
        AssertSubscriber<StreamEvent> stalled = follow(-1, 0);
        AssertSubscriber<StreamEvent> reading = follow(-1, Long.MAX_VALUE);
        for (int sequenceNumber = 0; sequenceNumber <= 3 * MAX_EVENTS; sequenceNumber++) {
            run.on(delta(sequenceNumber));
        }

        assertEquals(1, lagging.get(), "the stalled follower is let go at once, counted once");
        stalled.request(Long.MAX_VALUE); // it reads again: the events it was sent, then the error
        assertEquals(IntStream.range(0, MAX_EVENTS).boxed().toList(), sequenceNumbers(stalled));
        ApiException failure = assertInstanceOf(ApiException.class, stalled.getFailure(), "the stalled follower is ended");
        assertEquals(429, failure.error().status());
        assertEquals("stream_lagging", failure.error().code());
        assertTrue(failure.error().message().contains("starting_after=" + (MAX_EVENTS - 1)), failure.error().message());
        assertEquals(1, lagging.get());
        assertEquals(IntStream.rangeClosed(0, 3 * MAX_EVENTS).boxed().toList(), sequenceNumbers(reading),
                "the reading follower got every event, in order");
        assertEquals(3 * MAX_EVENTS + 1, run.nextSequenceNumber(), "the run went on");
    }

    @Test
    void aSlowFollowerWithinTheBoundKeepsUp() {
        AssertSubscriber<StreamEvent> slow = follow(-1, 0);
        for (int sequenceNumber = 0; sequenceNumber < 4 * MAX_EVENTS; sequenceNumber++) {
            run.on(delta(sequenceNumber));
            if (sequenceNumber % MAX_EVENTS == MAX_EVENTS - 1) {
                slow.request(MAX_EVENTS); // reads in bursts, never more than MAX_EVENTS behind
            }
        }
        assertEquals(IntStream.range(0, 4 * MAX_EVENTS).boxed().toList(), sequenceNumbers(slow));
        assertEquals(0, lagging.get());
    }

    @Test
    void aLateFollowerGetsTheKeptEventsWithoutGapOrDuplicateThenTheLiveOnes() {
        for (int sequenceNumber = 0; sequenceNumber < 3 * MAX_EVENTS; sequenceNumber++) {
            run.on(delta(sequenceNumber));
        }
        int lastRead = 3 * MAX_EVENTS - 3; // within the latest MAX_EVENTS
        AssertSubscriber<StreamEvent> late = follow(lastRead, Long.MAX_VALUE);
        run.on(delta(3 * MAX_EVENTS));
        assertEquals(IntStream.rangeClosed(lastRead + 1, 3 * MAX_EVENTS).boxed().toList(), sequenceNumbers(late));
    }

    @Test
    void askingForEventsNoLongerKeptIsA400NamingTheOldestStartingAfter() {
        for (int sequenceNumber = 0; sequenceNumber < 3 * MAX_EVENTS; sequenceNumber++) {
            run.on(delta(sequenceNumber));
        }
        int oldestKept = 3 * MAX_EVENTS - MAX_EVENTS;
        assertEquals("starting_after", run.unservable(0).param(), "checked before a stream starts (an HTTP 400)");
        assertNull(run.unservable(oldestKept - 1));
        assertNull(run.unservable(Integer.MAX_VALUE), "nothing after it yet: the live events");
        AssertSubscriber<StreamEvent> tooLate = follow(0, Long.MAX_VALUE); // the run moved on after the check

        ApiException failure = assertInstanceOf(ApiException.class, tooLate.getFailure());
        assertEquals(400, failure.error().status());
        assertEquals("starting_after", failure.error().param());
        assertTrue(failure.error().message().contains("starting_after " + (oldestKept - 1)), failure.error().message());
        assertEquals(List.of(), tooLate.getItems(), "nothing with a gap is sent");
        // the oldest starting_after it names is served in full
        AssertSubscriber<StreamEvent> retried = follow(oldestKept - 1, Long.MAX_VALUE);
        assertEquals(IntStream.range(oldestKept, 3 * MAX_EVENTS).boxed().toList(), sequenceNumbers(retried));
    }

    @Test
    void aFollowerOfAnEndedRunGetsItsLatestEventsAndCompletes() {
        for (int sequenceNumber = 0; sequenceNumber < MAX_EVENTS - 1; sequenceNumber++) {
            run.on(delta(sequenceNumber));
        }
        run.on(new StreamEvent.Lifecycle("response.completed", MAX_EVENTS - 1,
                FIRST.toBuilder().status(ResponseObject.COMPLETED).build()));
        AssertSubscriber<StreamEvent> after = follow(-1, Long.MAX_VALUE);
        after.assertCompleted();
        assertEquals(IntStream.range(0, MAX_EVENTS).boxed().toList(), sequenceNumbers(after));
    }
}
