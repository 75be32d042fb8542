package io.sipstream.edge.auth;

import io.sipstream.edge.sip.SipResponder;
import io.sipstream.edge.sip.SipSource;
import io.sipstream.edge.sip.StatelessChallenges;
import java.util.function.LongSupplier;
import javax.sip.ServerTransaction;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates a request of an account and answers it when it fails: 401 with a fresh
 * challenge, 400 when the digest was computed for another Request-URI, or 403 after wrong
 * credentials (both counted toward a ban of the source and the user it claimed, {@link AuthBans};
 * never for a carrier's request, {@link CarrierMatch}: forged requests must not get a carrier banned).
 * Blocking (Redis): call off SIP threads, except {@link #challengedWithoutStore}.
 */
public final class SipAuthenticator {
    private static final Logger log = LoggerFactory.getLogger(SipAuthenticator.class);
    private final DigestAuth digest;
    private final AuthBans bans;
    private final CarrierMatch trunks;
    private final SipResponder responder;
    private final LongSupplier clock;
    private final AuthMetrics metrics;
    private final StatelessChallenges challenged;

    public SipAuthenticator(DigestAuth digest, AuthBans bans, CarrierMatch trunks, SipResponder responder, LongSupplier clock,
            AuthMetrics metrics, StatelessChallenges challenged) {
        this.digest = digest;
        this.bans = bans;
        this.trunks = trunks;
        this.responder = responder;
        this.clock = clock;
        this.metrics = metrics;
        this.challenged = challenged;
    }

    /** The authenticated account, or null when the request has been answered with 401 or 403. */
    public AuthOutcome.Authenticated authenticate(ServerTransaction st, SipSource source) {
        long now = clock.getAsLong();
        return answer(st, source, digest.check(st.getRequest(), now), now);
    }

    /** {@link #authenticate} of a request that {@link #challengedWithoutStore} has let through: its nonce is valid. */
    public AuthOutcome.Authenticated authenticateWithValidNonce(ServerTransaction st, SipSource source) {
        long now = clock.getAsLong();
        return answer(st, source, digest.checkCredentials(st.getRequest(), now), now);
    }

    private AuthOutcome.Authenticated answer(ServerTransaction st, SipSource source, AuthOutcome outcome, long now) {
        switch (outcome) {
            case AuthOutcome.Authenticated ok -> {
                bans.recordSuccess(source.ip(), ClaimedUser.of(st.getRequest()));
                return ok;
            }
            case AuthOutcome.Challenge challenge -> {
                challenge(st, challenge, now);
                return null;
            }
            case AuthOutcome.BadRequest bad -> {
                metrics.badRequest();
                failed(st, source, now);
                log.info("auth refused from {}:{}: {}", source.ip(), source.port(), bad.reason());
                responder.reject(st, Response.BAD_REQUEST, bad.reason()); // says nothing about the account
                return null;
            }
            case AuthOutcome.Forbidden forbidden -> {
                metrics.forbidden();
                failed(st, source, now);
                log.info("auth failed from {}:{}: {}", source.ip(), source.port(), forbidden.reason());
                // the reason stays in the log: telling the caller would tell a scanner which usernames exist
                responder.respond(st, Response.FORBIDDEN);
                return null;
            }
        }
    }

    /**
     * Answers 401 at once when the request needs a challenge whatever the store holds ({@link DigestAuth#challengeWithoutStore}):
     * a caller's first INVITE. True when it was answered. Needs no Redis: callable on a SIP thread.
     */
    public boolean challengedWithoutStore(ServerTransaction st) {
        long now = clock.getAsLong();
        AuthOutcome.Challenge challenge = digest.challengeWithoutStore(st.getRequest(), now);
        if (challenge == null) return false;
        challenge(st, challenge, now);
        return true;
    }

    /**
     * {@link #challengedWithoutStore} without a server transaction: the 401 is sent statelessly (RFC 3261 8.2.7, the
     * stateless UAS's use). A transaction would keep the INVITE and its 401 alive 5 s after the ACK (Timer I) for
     * nothing. A resent INVITE gets the same 401 again, byte for byte ({@link StatelessChallenges} keeps its nonce,
     * the To tag is derived from the request), counted once; the ACK of the 401 is dropped by the listener.
     */
    public boolean challengedStatelessly(Request request) {
        long now = clock.getAsLong();
        AuthOutcome.Challenge challenge = digest.challengeWithoutStore(request, now);
        if (challenge == null) return false;
        String callId = ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId();
        String branch = ((ViaHeader) request.getHeader(ViaHeader.NAME)).getBranch();
        String nonce = challenged.nonceOf(callId, branch, now);
        if (nonce == null) {
            nonce = challenged.remember(callId, branch, now, digest::issueNonce);
            metrics.challenge();
        }
        Response r = responder.statelessResponse(Response.UNAUTHORIZED, request);
        digest.challenge(r, challenge.stale(), nonce);
        responder.sendStateless(r);
        return true;
    }

    /** Whether this INVITE is a resend of one challenged without a transaction in the last 32 s. */
    public boolean challengedBefore(Request request) {
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        ViaHeader via = (ViaHeader) request.getHeader(ViaHeader.NAME);
        return callId != null && via != null && via.getBranch() != null
                && challenged.knows(callId.getCallId(), via.getBranch(), clock.getAsLong());
    }

    private void challenge(ServerTransaction st, AuthOutcome.Challenge challenge, long now) {
        Response r = responder.response(Response.UNAUTHORIZED, st.getRequest());
        digest.challenge(r, challenge.stale(), now);
        responder.send(st, r);
        metrics.challenge();
    }

    private void failed(ServerTransaction st, SipSource source, long now) {
        if (trunks.trunkIdOf(source, st.getRequest()) != null) return;
        String user = ClaimedUser.of(st.getRequest());
        switch (bans.recordFailure(source.ip(), user, now)) {
            case SOURCE -> {
                metrics.banned(AuthBans.Ban.SOURCE);
                log.warn("source {} banned after authentication failures of several users", source.ip());
            }
            case USER -> {
                metrics.banned(AuthBans.Ban.USER);
                log.warn("user '{}' banned at source {} after repeated authentication failures", user, source.ip());
            }
            case NONE -> { }
        }
    }
}
