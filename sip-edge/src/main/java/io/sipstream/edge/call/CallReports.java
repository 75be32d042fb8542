package io.sipstream.edge.call;

import io.sipstream.avro.CallAttempt;

/**
 * Where the calls' events go ({@code sink}) and what they say of this edge: its id, and whether
 * every call reports its progress ({@code edge.events.progress}: ATTEMPT and RINGING, {@link CallReport});
 * {@code trunks}: where an answered call's duration is counted when it ends.
 */
public record CallReports(CallEventSink sink, String edgeId, boolean progressEvents, TrunkMetrics trunks) {

    /** The report of one call, or of a redirect's or a transfer's new attempt. */
    CallReport of(CallAttempt attempt, long startedAt) {
        return new CallReport(sink, edgeId, progressEvents, attempt, startedAt, trunks);
    }
}
