package io.sipstream.edge.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallJournalTest {
    private static CallEvent event(String callId, CallEventType type, Long answeredAt) {
        return CallEvent.newBuilder().setEventId(callId + ":" + type + ":0").setCallId(callId).setAccountId("acc")
                .setType(type).setDirection(Direction.OUTBOUND).setOccurredAt(Instant.ofEpochMilli(10_000))
                .setStartedAt(Instant.ofEpochMilli(1_000)).setAnsweredAt(answeredAt == null ? null : Instant.ofEpochMilli(answeredAt))
                .build();
    }

    @Test
    void shouldCloseTheCallsAPreviousRunLostAtTheLastHeartbeat(@TempDir Path dir) throws Exception {
        CallJournal journal = new CallJournal(dir);
        journal.record(event("answered/1", CallEventType.ANSWERED, 5_000L));
        journal.record(event("ringing-2", CallEventType.ATTEMPT, null));
        journal.record(event("done-3", CallEventType.ANSWERED, 5_000L));
        journal.record(event("done-3", CallEventType.ENDED, 5_000L));
        journal.heartbeat(65_000);

        var closing = new CallJournal(dir).recoverLostCalls("7");
        assertThat(closing).hasSize(3);
        assertThat(closing).as("a closing event journalled but maybe not delivered comes back as it was")
                .contains(event("done-3", CallEventType.ENDED, 5_000L));
        CallEvent ended = closing.stream().filter(e -> e.getCallId().equals("answered/1")).findFirst().orElseThrow();
        assertThat(ended.getType()).isEqualTo(CallEventType.ENDED);
        assertThat(ended.getEventId()).isEqualTo("answered/1:ENDED:0");
        assertThat(ended.getDurationMillis()).isEqualTo(60_000);
        assertThat(ended.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
        assertThat(ended.getEdgeId()).isEqualTo("7");
        CallEvent failed = closing.stream().filter(e -> e.getCallId().equals("ringing-2")).findFirst().orElseThrow();
        assertThat(failed.getType()).isEqualTo(CallEventType.FAILED);

        closing.forEach(journal::record);
        assertThat(journal.liveCalls()).as("kept until delivered").isEqualTo(3);
        closing.forEach(journal::forget);
        assertThat(journal.liveCalls()).isZero();
        assertThat(Files.list(dir).count()).isZero();
    }

    /** A bus that holds every event until the test says it is delivered. */
    private static final class SlowBus implements CallEventPublisher {
        final List<CallEvent> published = new CopyOnWriteArrayList<>();
        final List<Runnable> deliveries = new CopyOnWriteArrayList<>();

        @Override public void publish(CallEvent event) { published.add(event); }

        @Override
        public void publish(CallEvent event, Runnable onDelivered) {
            published.add(event);
            deliveries.add(onDelivered);
        }
    }

    @Test
    void shouldForgetACallOnlyOnceItsEndIsDeliveredSoACrashReEmitsIt(@TempDir Path dir) throws Exception {
        SlowBus bus = new SlowBus();
        CallJournal journal = new CallJournal(dir);
        CallEvent ended = CallEvent.newBuilder(event("c-1", CallEventType.ENDED, 5_000L)).setReason("caller hung up")
                .setHangupBy(HangupParty.CALLER).build();
        try (CallEventSink sink = new CallEventSink(bus, journal)) {
            sink.emit(event("c-1", CallEventType.ANSWERED, 5_000L));
            sink.emit(ended);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> bus.published.size() == 2);
        }
        // the edge dies here: published, never acknowledged
        List<CallEvent> recovered = new CallJournal(dir).recoverLostCalls("1");
        assertThat(recovered).containsExactly(ended); // the same event id: billing keeps one

        try (CallEventSink sink = new CallEventSink(bus, journal)) {
            sink.emit(ended);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> bus.deliveries.size() == 2);
            bus.deliveries.get(1).run();
        }
        assertThat(journal.liveCalls()).isZero();
    }
}
