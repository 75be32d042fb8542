package io.sipstream.edge.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.TimeoutException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call's closing event that the bus gave up on while the edge runs (found under a broker restart:
 * the producer's metadata wait ran out) is published again, not left for the edge's next start; so
 * is a live call's latest event.
 */
class JournalledEventSinkRetryTest {

    /** A bus that gives up on the first {@code failures} closing events, then delivers. */
    private static final class FlakyBus implements CallEventPublisher {
        final List<CallEvent> attempts = new CopyOnWriteArrayList<>();
        final AtomicInteger failures;

        FlakyBus(int failures) { this.failures = new AtomicInteger(failures); }

        @Override public void publish(CallEvent event) { attempts.add(event); }

        @Override
        public void publish(CallEvent event, Runnable onDelivered, Consumer<Exception> onFailed) {
            attempts.add(event);
            if (failures.getAndDecrement() > 0) onFailed.accept(new TimeoutException("call.events not present in metadata"));
            else onDelivered.run();
        }
    }

    private static CallEvent ended(String callId) {
        return CallEvent.newBuilder().setEventId(callId + ":ENDED:0").setCallId(callId).setAccountId("acc")
                .setType(CallEventType.ENDED).setDirection(Direction.OUTBOUND).setOccurredAt(Instant.ofEpochMilli(10_000))
                .setStartedAt(Instant.ofEpochMilli(1_000)).setAnsweredAt(Instant.ofEpochMilli(2_000))
                .setEndedAt(Instant.ofEpochMilli(10_000)).setDurationMillis(8_000).setHangupBy(HangupParty.CALLER).build();
    }

    @Test
    void shouldPublishAClosingEventAgainUntilDeliveredThenForgetTheCall(@TempDir Path dir) throws Exception {
        FlakyBus bus = new FlakyBus(2);
        CallJournal journal = new CallJournal(dir);
        CallEvent end = ended("c-1");
        try (JournalledEventSink sink = new JournalledEventSink(bus, journal, Duration.ofMillis(50))) {
            sink.emit(end);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> journal.liveCalls() == 0);
        }
        assertThat(bus.attempts).as("the same event, id and all, until the bus took it").containsExactly(end, end, end);
    }

    private static CallEvent progress(String callId, CallEventType type) {
        return CallEvent.newBuilder().setEventId(callId + ":" + type + ":0").setCallId(callId).setAccountId("acc")
                .setType(type).setDirection(Direction.OUTBOUND).setOccurredAt(Instant.ofEpochMilli(2_000))
                .setStartedAt(Instant.ofEpochMilli(1_000)).setCallerId("+15551230001").setDestination("+15557654321")
                .setTrunkId("t1").build();
    }

    @Test
    void shouldPublishALiveCallsEventAgainUntilDelivered(@TempDir Path dir) throws Exception {
        FlakyBus bus = new FlakyBus(2);
        CallJournal journal = new CallJournal(dir);
        CallEvent attempt = progress("c-3", CallEventType.ATTEMPT);
        try (JournalledEventSink sink = new JournalledEventSink(bus, journal, Duration.ofMillis(50))) {
            sink.emit(attempt);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> bus.attempts.size() == 3);
            Thread.sleep(200); // nothing to wait for: delivered, it is not published again
        }
        assertThat(bus.attempts).as("the caller, destination and trunk reach billing").containsExactly(attempt, attempt, attempt);
        assertThat(journal.liveCalls()).as("the call is live: only its end lets it go").isEqualTo(1);
    }

    @Test
    void shouldNotPublishAgainAnEventALaterOneOfItsCallReplaced(@TempDir Path dir) throws Exception {
        FlakyBus bus = new FlakyBus(1);
        CallJournal journal = new CallJournal(dir);
        CallEvent attempt = progress("c-4", CallEventType.ATTEMPT);
        CallEvent ringing = progress("c-4", CallEventType.RINGING);
        try (JournalledEventSink sink = new JournalledEventSink(bus, journal, Duration.ofMillis(200))) {
            sink.emit(attempt); // given up on by the bus
            sink.emit(ringing); // delivered, well before the ATTEMPT's retry
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> bus.attempts.size() == 2);
            Thread.sleep(600); // nothing to wait for: three retry delays in which the ATTEMPT must not come back
        }
        assertThat(bus.attempts).as("RINGING carries all the ATTEMPT did").containsExactly(attempt, ringing);
    }

    @Test
    void shouldKeepAClosingEventInTheJournalWhenStoppedBeforeItIsDelivered(@TempDir Path dir) throws Exception {
        FlakyBus bus = new FlakyBus(Integer.MAX_VALUE);
        CallJournal journal = new CallJournal(dir);
        try (JournalledEventSink sink = new JournalledEventSink(bus, journal, Duration.ofHours(1))) {
            sink.emit(ended("c-2"));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> bus.attempts.size() == 1);
        }
        assertThat(journal.liveCalls()).as("left for the next start to re-emit").isEqualTo(1);
        assertThat(new CallJournal(dir).recoverLostCalls("0")).extracting(CallEvent::getEventId).containsExactly("c-2:ENDED:0");
    }
}
