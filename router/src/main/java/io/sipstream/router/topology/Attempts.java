package io.sipstream.router.topology;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.Direction;
import io.sipstream.schemas.Topics;

/** The checks an attempt (or event) passes before the router acts on it. */
final class Attempts {

    static CallAttempt valid(String key, CallAttempt attempt) {
        if (attempt == null) throw new InvalidRecordException("call attempt with key '" + key + "' has no value");
        if (blank(attempt.getCallId())) throw new InvalidRecordException("call attempt without callId (key '" + key + "')");
        if (blank(attempt.getEdgeId())) {
            throw new InvalidRecordException("call attempt " + attempt.getCallId() + " has no edgeId");
        }
        int partition = attempt.getReplyPartition();
        if (partition < 0 || partition >= Topics.CALL_VERDICTS.partitions()) {
            throw new InvalidRecordException("call attempt " + attempt.getCallId() + " has replyPartition " + partition
                    + ", " + Topics.CALL_VERDICTS.name() + " has partitions 0.." + (Topics.CALL_VERDICTS.partitions() - 1));
        }
        if (attempt.getDirection() == Direction.OUTBOUND) {
            if (blank(key)) {
                throw new InvalidRecordException("outbound call attempt " + attempt.getCallId() + " is not keyed by its account id");
            }
            if (attempt.getAccountId() != null && !attempt.getAccountId().equals(key)) {
                throw new InvalidRecordException("outbound call attempt " + attempt.getCallId() + " is keyed by '" + key
                        + "' but is for account '" + attempt.getAccountId() + "'");
            }
        }
        return attempt;
    }

    static CallEvent valid(String key, CallEvent event) {
        if (event == null) throw new InvalidRecordException("call event with key '" + key + "' has no value");
        if (blank(event.getCallId()) || blank(event.getAccountId())) {
            throw new InvalidRecordException("call event " + event.getEventId() + " has no callId or accountId");
        }
        if (!event.getAccountId().equals(key)) {
            throw new InvalidRecordException("call event " + event.getEventId() + " is keyed by '" + key
                    + "' but is for account '" + event.getAccountId() + "'");
        }
        return event;
    }

    private static boolean blank(String s) { return s == null || s.isBlank(); }

    private Attempts() {}
}
