package io.sipstream.edge.call;

import io.sipstream.avro.CallAttempt;
import io.sipstream.edge.media.MediaRelay;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import java.time.Duration;

/**
 * Starts the edge's calls: a {@link B2buaCall} for each INVITE taken on, with what the calls share.
 * {@code retryAfterSeconds}: the Retry-After of the 503 a call gets without a verdict;
 * {@code interimInterval}: how often an answered call sends INTERIM; {@code maxCallDuration}: the
 * edge's own limit on an answered call (zero: none), applied when the verdict gives none, the smaller
 * when both do; {@code sessionTimers}: what each leg's session timer is negotiated with (RFC 4028);
 * {@code media}: the media relay anchored calls go through (null: none configured, every call's media end to end).
 */
public record CallStarter(SipEndpoint sip, SipResponder responder, CallRegistry registry, AccountBlocks blocks,
                          CallScheduler scheduler, EdgeMetrics metrics, RouterClient router, CallReports reports,
                          Dialling dialling, int retryAfterSeconds, Duration interimInterval, Duration maxCallDuration,
                          SessionTimer.Settings sessionTimers, MediaRelay media) {

    /**
     * Takes over the INVITE with its call; false when the INVITE was answered instead ({@link B2buaCall#start}).
     * {@code accountMedia}: the calling account's media mode (null: none, or a trunk's call).
     */
    boolean start(CallAttempt attempt, PendingInvite pending, long now, String accountMedia) throws Exception {
        return new B2buaCall(attempt, now, sip, responder, registry, blocks, scheduler, metrics, router, reports, dialling,
                retryAfterSeconds, interimInterval, maxCallDuration, sessionTimers, media, accountMedia).start(pending, now);
    }
}
