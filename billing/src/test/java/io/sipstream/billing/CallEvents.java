package io.sipstream.billing;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import java.time.Instant;
import java.util.List;

/** Call events as the edge writes them, for tests on the real stack. */
final class CallEvents {

    static CallEvent.Builder event(String accountId, String callId, String destination, CallEventType type, int sequence,
                                   Instant startedAt, Instant occurredAt) {
        return CallEvent.newBuilder().setEventId(callId + ":" + type + ":" + sequence).setCallId(callId)
                .setAccountId(accountId).setType(type).setSequence(sequence).setDirection(Direction.OUTBOUND)
                .setEdgeId("edge-0").setTrunkId("t1").setCallerId("+15551230001").setDestination(destination)
                .setStartedAt(startedAt).setOccurredAt(occurredAt);
    }

    /** ATTEMPT, ANSWERED after 2 s, ENDED after {@code talkMillis} of conversation. */
    static List<CallEvent> answered(String accountId, String callId, String destination, Instant start, long talkMillis) {
        Instant answeredAt = start.plusSeconds(2);
        Instant endedAt = answeredAt.plusMillis(talkMillis);
        return List.of(
                event(accountId, callId, destination, CallEventType.ATTEMPT, 0, start, start).build(),
                event(accountId, callId, destination, CallEventType.ANSWERED, 0, start, answeredAt).setAnsweredAt(answeredAt).build(),
                event(accountId, callId, destination, CallEventType.ENDED, 0, start, endedAt).setAnsweredAt(answeredAt)
                        .setEndedAt(endedAt).setDurationMillis(talkMillis).setSipStatus(200).setHangupBy(HangupParty.CALLER).build());
    }

    static CallEvent interim(String accountId, String callId, String destination, Instant start, int sequence, long talkMillis) {
        Instant answeredAt = start.plusSeconds(2);
        return event(accountId, callId, destination, CallEventType.INTERIM, sequence, start, answeredAt.plusMillis(talkMillis))
                .setAnsweredAt(answeredAt).setDurationMillis(talkMillis).build();
    }

    private CallEvents() {}
}
