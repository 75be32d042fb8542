package io.sipstream.edge.call;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.RoutingVerdict;
import java.time.Instant;

/**
 * The call events of one call: ANSWERED, INTERIM and the closing ENDED or FAILED, which carries
 * all billing rates a call from (billing and the router need no more). ATTEMPT and RINGING go out
 * only when the edge reports progress ({@code edge.events.progress}) or the verdict caps the call
 * (a prepaid account, whose ringing calls billing counts in its live price): ATTEMPT once the
 * account is known, with progress at once for an account's own call, else at the verdict.
 * A call whose account never became known (an inbound call without a verdict) reports nothing:
 * billing keys every event by account. Event ids are {@code callId:TYPE:sequence}: a repeat is a
 * duplicate.
 */
final class CallReport {
    private final CallEventSink events;
    private final String edgeId;
    private final boolean progressEvents;
    private final CallAttempt attempt;
    private final long startedAt;
    private final TrunkMetrics trunks;
    private String accountId;
    private RoutingVerdict verdict;
    private String trunkId;
    private Long answeredAt;
    private boolean announced;
    private boolean ringingSent;
    private int interims;

    CallReport(CallEventSink events, String edgeId, boolean progressEvents, CallAttempt attempt, long startedAt, TrunkMetrics trunks) {
        this.events = events;
        this.edgeId = edgeId;
        this.progressEvents = progressEvents;
        this.attempt = attempt;
        this.startedAt = startedAt;
        this.trunks = trunks;
        this.accountId = attempt.getAccountId();
    }

    void account(String id) { accountId = id; }

    void verdict(RoutingVerdict v) { verdict = v; }

    void trunk(String id) { if (id != null) trunkId = id; }

    Long answeredAt() { return answeredAt; }

    /** The call as it stands at {@code now}, for an operator; {@code dialling}: the trunk a hunt dials before it reports one. */
    LiveCall live(String callId, LiveCall.State state, String dialling, long now) {
        String trunk = trunkId != null ? trunkId : dialling != null ? dialling : attempt.getSourceTrunkId();
        return new LiveCall(callId, accountId, attempt.getDirection().name(), verdict != null ? verdict.getCallerId() : null,
                verdict != null && verdict.getDestination() != null ? verdict.getDestination() : attempt.getDialled(), trunk, state,
                Instant.ofEpochMilli(startedAt), answeredAt == null ? null : Instant.ofEpochMilli(answeredAt),
                answeredAt == null ? 0 : Math.max(0, now - answeredAt));
    }

    /** ATTEMPT, once, as soon as the account is known and the call reports its progress. */
    void attempt(long now) {
        if (announced || accountId == null || !reportsProgress()) return;
        announced = true;
        emit(event(CallEventType.ATTEMPT, 0, now));
    }

    private boolean reportsProgress() {
        return progressEvents || verdict != null && verdict.getMaxDurationSeconds() != null;
    }

    void ringing(long now) {
        if (ringingSent || !announced) return;
        ringingSent = true;
        emit(event(CallEventType.RINGING, 0, now));
    }

    /** The answer, with the two sides' dialogs (either null when unknown) for the journal. */
    void answered(long now, LegDialog callerSide, LegDialog calleeSide) {
        answeredAt = now;
        CallDialogs dialogs = callerSide == null && calleeSide == null ? null
                : new CallDialogs(attempt.getCallId(), callerSide, calleeSide);
        if (accountId != null) events.emit(event(CallEventType.ANSWERED, 0, now).build(), dialogs);
    }

    void interim(long now) {
        interims++;
        emit(event(CallEventType.INTERIM, interims, now));
    }

    void end(CallEventType type, int status, String reason, HangupParty by, long now) { end(type, status, reason, null, by, now, now); }

    /** {@code ref}: the reference a peer was given instead of the reason (a failure the edge answered), else null. */
    void end(CallEventType type, int status, String reason, String ref, HangupParty by, long now) {
        end(type, status, reason, ref, by, now, now);
    }

    /**
     * The closing event, sent {@code now}, of a call that ended at {@code endedAt}: earlier when the edge learnt of
     * the end late (a peer that stopped answering its session timer ends at its last proof of life), never before the answer.
     */
    void end(CallEventType type, int status, String reason, String ref, HangupParty by, long now, long endedAt) {
        long ended = Math.min(now, answeredAt == null ? endedAt : Math.max(endedAt, answeredAt));
        // each call billing rates is timed once, a transfer's or a redirect's apart from the call before it
        if (answeredAt != null) {
            trunks.callDuration(attempt.getDirection(), trunkId != null ? trunkId : attempt.getSourceTrunkId(), ended - answeredAt);
        }
        emit(event(type, 0, now).setEndedAt(Instant.ofEpochMilli(ended)).setSipStatus(status).setReason(reason).setRef(ref)
                .setHangupBy(by).setDurationMillis(answeredAt == null ? 0 : ended - answeredAt).setMedia(media));
    }

    /** An anchored call's media diagnostics, carried by its closing event. */
    void media(io.sipstream.avro.CallMedia seen) { this.media = seen; }

    private io.sipstream.avro.CallMedia media;

    private void emit(CallEvent.Builder e) {
        if (accountId != null) events.emit(e.build());
    }

    private CallEvent.Builder event(CallEventType type, int sequence, long now) {
        CallEvent.Builder e = CallEvent.newBuilder()
                .setEventId(attempt.getCallId() + ":" + type + ":" + sequence)
                .setCallId(attempt.getCallId())
                .setAccountId(accountId)
                .setType(type)
                .setSequence(sequence)
                .setDirection(attempt.getDirection())
                .setEdgeId(edgeId)
                .setTrunkId(trunkId != null ? trunkId : attempt.getSourceTrunkId())
                .setCallerId(verdict != null ? verdict.getCallerId() : null) // the From user is no caller ID until the router chose one
                .setDestination(verdict != null ? verdict.getDestination() : null)
                .setOccurredAt(Instant.ofEpochMilli(now))
                .setStartedAt(Instant.ofEpochMilli(startedAt))
                .setAnsweredAt(answeredAt == null ? null : Instant.ofEpochMilli(answeredAt))
                .setEmergency(verdict != null && verdict.getEmergency()); // billing rates it at zero
        if (answeredAt != null) e.setDurationMillis(now - answeredAt);
        return e;
    }
}
