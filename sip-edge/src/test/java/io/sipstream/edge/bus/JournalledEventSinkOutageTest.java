package io.sipstream.edge.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's side of the sink never waits on the bus: while a send waits (as Kafka's does for the topic's
 * metadata while no broker answers), events and heartbeats are journalled at once, and what waits for the bus is
 * bounded per call. The queue in front of the journal is bounded: nearly full it refuses new calls, full it makes
 * the emitting thread wait rather than drop an event.
 */
class JournalledEventSinkOutageTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** A bus whose sends wait until the test lets one through ({@link #letOneThrough}) or opens it, then deliver. */
    private static final class StuckBus implements CallEventPublisher {
        final Semaphore passes = new Semaphore(0);
        final List<CallEvent> sent = new CopyOnWriteArrayList<>();
        final List<CallEvent> waiting = new CopyOnWriteArrayList<>();

        void letOneThrough() { passes.release(); }

        void open() { passes.release(1_000_000); }

        @Override public void publish(CallEvent event) { publish(event, () -> { }, e -> { }); }

        @Override
        public void publish(CallEvent event, Runnable onDelivered, Consumer<Exception> onFailed) {
            waiting.add(event);
            try {
                passes.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            sent.add(event);
            onDelivered.run();
        }
    }

    private static CallEvent event(String callId, CallEventType type, int sequence) {
        return CallEvent.newBuilder().setEventId(callId + ":" + type + ":" + sequence).setCallId(callId).setAccountId("acc")
                .setType(type).setSequence(sequence).setDirection(Direction.OUTBOUND).setOccurredAt(Instant.ofEpochMilli(10_000))
                .setStartedAt(Instant.ofEpochMilli(1_000)).setAnsweredAt(Instant.ofEpochMilli(2_000))
                .setEndedAt(type == CallEventType.ENDED ? Instant.ofEpochMilli(10_000) : null).build();
    }

    /** What a restart would recover from the journal file now, read from a copy. */
    private static List<CallEvent> recovered(Path dir, Path copies) throws Exception {
        Path copy = Files.createTempDirectory(copies, "copy");
        Files.copy(dir.resolve(CallJournal.FILE), copy.resolve(CallJournal.FILE));
        return new CallJournal(copy).recoverLostCalls("1");
    }

    @Test
    void shouldJournalEventsAndHeartbeatsAtOnceWhileASendWaitsForTheBus(@TempDir Path dir, @TempDir Path copies) throws Exception {
        StuckBus bus = new StuckBus();
        CallJournal journal = new CallJournal(dir);
        try (JournalledEventSink sink = new JournalledEventSink(bus, journal)) {
            sink.emit(event("c-1", CallEventType.ANSWERED, 0));
            Awaitility.await().atMost(WAIT).until(() -> bus.waiting.size() == 1); // its send waits

            sink.emit(event("c-2", CallEventType.ANSWERED, 0));
            sink.emit(event("c-1", CallEventType.ENDED, 0));
            long beat = System.currentTimeMillis() + 60_000;
            sink.heartbeat(beat);

            Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(recovered(dir, copies))
                    .as("c-1 ended as it did, c-2 alive at the heartbeat")
                    .anySatisfy(e -> assertThat(e.getEventId()).isEqualTo("c-1:ENDED:0"))
                    .anySatisfy(e -> {
                        assertThat(e.getCallId()).isEqualTo("c-2");
                        assertThat(e.getEndedAt()).isEqualTo(Instant.ofEpochMilli(beat));
                    }));
            assertThat(sink.unpublished()).isEqualTo(3);
            assertThat(bus.sent).isEmpty();

            bus.open();
            Awaitility.await().atMost(WAIT).until(() -> journal.liveCalls() == 1); // c-1 forgotten once its end is delivered
            assertThat(bus.sent).extracting(CallEvent::getEventId).containsExactly("c-1:ANSWERED:0", "c-2:ANSWERED:0", "c-1:ENDED:0");
            assertThat(sink.unpublished()).isZero();
        }
    }

    @Test
    void shouldCountAsUnpublishedTheEventsTakenToBeSentBehindASendThatWaits(@TempDir Path dir) throws Exception {
        StuckBus bus = new StuckBus();
        CallJournal journal = new CallJournal(dir);
        try (JournalledEventSink sink = new JournalledEventSink(bus, journal)) {
            sink.emit(event("c-1", CallEventType.ANSWERED, 0));
            Awaitility.await().atMost(WAIT).until(() -> bus.waiting.size() == 1);
            sink.emit(event("c-2", CallEventType.ANSWERED, 0));
            sink.emit(event("c-3", CallEventType.ANSWERED, 0));
            Awaitility.await().atMost(WAIT).until(() -> sink.unpublished() == 3); // journalled and handed to the relay

            // the first delivered: the other two are taken together, and the first of them waits
            bus.letOneThrough();
            Awaitility.await().atMost(WAIT).until(() -> bus.waiting.size() == 2);
            assertThat(sink.unpublished()).as("the one sending and the one behind it").isEqualTo(2);

            bus.open();
            Awaitility.await().atMost(WAIT).until(() -> sink.unpublished() == 0);
            assertThat(bus.sent).extracting(CallEvent::getCallId).containsExactly("c-1", "c-2", "c-3");
        }
    }

    @Test
    void shouldKeepOnlyEachCallsLatestEventWhenMoreWaitForTheBusThanTheQueueHolds(@TempDir Path dir) throws Exception {
        StuckBus bus = new StuckBus();
        CallJournal journal = new CallJournal(dir);
        int capacity = 4;
        try (JournalledEventSink sink = new JournalledEventSink(bus, journal, Duration.ofMillis(50), capacity)) {
            sink.emit(event("c-1", CallEventType.ANSWERED, 0));
            Awaitility.await().atMost(WAIT).until(() -> bus.waiting.size() == 1);
            for (int i = 1; i <= 20; i++) sink.emit(event("c-1", CallEventType.INTERIM, i));
            sink.emit(event("c-1", CallEventType.ENDED, 0));
            Awaitility.await().atMost(WAIT).until(() -> sink.queued() == 0);
            assertThat(sink.unpublished()).as("the send waiting, the queue full, the latest of the call").isEqualTo(1 + capacity + 1);

            bus.open();
            Awaitility.await().atMost(WAIT).until(() -> journal.liveCalls() == 0);
        }
        List<String> sent = bus.sent.stream().map(CallEvent::getEventId).toList();
        assertThat(sent).containsExactly("c-1:ANSWERED:0", "c-1:INTERIM:1", "c-1:INTERIM:2", "c-1:INTERIM:3", "c-1:INTERIM:4",
                "c-1:ENDED:0");
    }

    @Test
    void shouldRefuseNewCallsNearlyFullAndMakeACallsEventWaitForRoomRatherThanDropIt(@TempDir Path dir) throws Exception {
        StuckBus bus = new StuckBus();
        bus.open();
        CallJournal journal = new CallJournal(dir);
        int capacity = 10;
        List<CallEvent> emitted = new ArrayList<>();
        try (JournalledEventSink sink = new JournalledEventSink(bus, journal, Duration.ofMillis(50), capacity)) {
            CompletableFuture<Void> lastEmit;
            // a stalled disk: the journal's writes hold its lock, and this test holds it
            synchronized (journal) {
                emitted.add(event("c-0", CallEventType.ANSWERED, 0));
                sink.emit(emitted.get(0));
                Awaitility.await().atMost(WAIT).until(() -> sink.queued() == 0); // taken, its write waits for the disk
                for (int i = 1; i <= capacity; i++) {
                    assertThat(sink.refusesNewCalls()).as("with %d queued", i - 1).isEqualTo(i - 1 >= capacity - capacity / 10);
                    emitted.add(event("c-" + i, CallEventType.ANSWERED, 0));
                    sink.emit(emitted.get(i));
                }
                assertThat(sink.queued()).isEqualTo(capacity);
                assertThat(sink.refusesNewCalls()).isTrue();

                CallEvent oneMore = event("c-0", CallEventType.ENDED, 0);
                emitted.add(oneMore);
                lastEmit = CompletableFuture.runAsync(() -> sink.emit(oneMore));
                Thread.sleep(300);
                assertThat(lastEmit).as("waits for room: an event of a call that is up is never dropped").isNotDone();
            }
            lastEmit.get(5, TimeUnit.SECONDS);
            Awaitility.await().atMost(WAIT).until(() -> bus.sent.size() == emitted.size());
            assertThat(bus.sent).containsExactlyElementsOf(emitted);
            assertThat(sink.refusesNewCalls()).isFalse();
        }
    }
}
