package io.sipstream.edge.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
        assertThat(closing).hasSize(2);
        CallEvent ended = closing.stream().filter(e -> e.getCallId().equals("answered/1")).findFirst().orElseThrow();
        assertThat(ended.getType()).isEqualTo(CallEventType.ENDED);
        assertThat(ended.getEventId()).isEqualTo("answered/1:ENDED:0");
        assertThat(ended.getDurationMillis()).isEqualTo(60_000);
        assertThat(ended.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
        assertThat(ended.getEdgeId()).isEqualTo("7");
        CallEvent failed = closing.stream().filter(e -> e.getCallId().equals("ringing-2")).findFirst().orElseThrow();
        assertThat(failed.getType()).isEqualTo(CallEventType.FAILED);

        closing.forEach(journal::record);
        assertThat(journal.liveCalls()).isZero();
        assertThat(Files.list(dir).count()).isZero();
    }
}
