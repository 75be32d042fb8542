package io.sipstream.edge.call;

import io.sipstream.avro.CallAttempt;

/**
 * Where the calls' events go ({@code sink}) and what they say of this edge: its id, and whether
 * every call reports its progress ({@code edge.events.progress}: ATTEMPT and RINGING, {@link CallReport}).
 */
public record CallReports(CallEventSink sink, String edgeId, boolean progressEvents) {

    /** The report of one call, or of a redirect's or a transfer's new attempt. */
    CallReport of(CallAttempt attempt, long startedAt) { return new CallReport(sink, edgeId, progressEvents, attempt, startedAt); }
}
