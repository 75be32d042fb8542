package io.sipstream.edge.call;

import gov.nist.javax.sip.header.HeaderFactoryExt;
import io.sipstream.avro.DiversionHeader;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.Trunk;
import io.sipstream.edge.registrar.Binding;
import io.sipstream.edge.relay.PeerLink;
import io.sipstream.edge.sip.ClientHandler;
import io.sipstream.edge.sip.StoreOutage;
import io.sipstream.edge.trunk.ClientDigest;
import io.sipstream.edge.trunk.TrunkCredentials;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.ResponseEvent;
import javax.sip.address.Address;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A side the edge dials (the edge as UAC): a trunk, a registered contact or an outside URI.
 * Sends the INVITE with the caller ID the router chose (From and P-Asserted-Identity, as
 * {@link Identities#presentation} shows it: anonymous when none was chosen or the caller asked for privacy) and the
 * caller's SDP, answers the trunk's digest challenge once, and reports what happens to its call.
 */
public final class CalleeLeg extends CallLeg implements ClientHandler {
    private static final Logger log = LoggerFactory.getLogger(CalleeLeg.class);

    enum State { CALLING, PROCEEDING, ANSWERED, DONE }

    private final Dialling dialling;
    private final Hunt hunt;
    private final RouteTarget target;
    private final Trunk trunk;
    private final Binding binding;
    /** The account of {@link #binding} (null for a trunk or a URI): what a relay through another edge is signed for. */
    private final String phonesOf;
    private final URI requestUri;
    private final String fromUser;
    private Request invite;
    private ClientTransaction tx;
    private State state = State.CALLING;
    private boolean cancelled;
    private boolean cancelPending;
    private boolean authTried;
    private long answerCSeq = -1;
    private boolean acked;
    /** The INVITE's transaction has its final failure: it needs nothing more from the leg. */
    private boolean settled;
    private ScheduledFuture<?> noResponse;
    /** The Session-Expires the INVITE asks for (raised once by a 422's Min-SE). */
    private int askedInterval;
    private boolean intervalRaised;
    /** Its trunk's meters (null for a leg to a phone or a URI): the trunk's answer or failure is counted once. */
    private final TrunkMetrics.Trunk trunkMeters;
    private boolean outcomeCounted;

    CalleeLeg(B2buaCall call, Dialling dialling, Hunt hunt, RouteTarget target, Trunk trunk, URI requestUri, String fromUser,
              Binding binding, String phonesOf) {
        super(call, dialling.sip(), dialling.responder(), transportOf(trunk, requestUri, binding, dialling));
        this.dialling = dialling;
        this.hunt = hunt;
        this.target = target;
        this.trunk = trunk;
        this.binding = binding;
        this.phonesOf = phonesOf;
        this.requestUri = requestUri;
        this.fromUser = fromUser;
        this.trunkMeters = trunk == null ? null : call.metrics().trunks().outbound(trunk.getTrunkId());
    }

    private static String transportOf(Trunk trunk, URI uri, Binding binding, Dialling dialling) {
        if (trunk != null) return trunk.getTransport().name().toLowerCase(Locale.ROOT);
        if (binding != null && !dialling.peers().holdsHere(binding)) return PeerLink.transportTo(binding); // to the edge holding it
        if (uri instanceof SipURI sip && sip.getTransportParam() != null) return sip.getTransportParam().toLowerCase(Locale.ROOT);
        return "udp";
    }

    RouteTarget target() { return target; }

    Trunk trunk() { return trunk; }

    State state() { return state; }

    boolean cancelled() { return cancelled; }

    /** Builds and sends the INVITE: the offer's SDP (none for a late offer), the router's caller ID. */
    void send(Request offer) throws Exception {
        var h = sip.headers();
        var a = sip.addresses();
        // no caller ID chosen, or the caller asked for privacy: anonymous (RFC 3323)
        Identities.Presentation shown = Identities.presentation(fromUser, offer, trunk != null, call.emergency());
        SipURI fromUri = shown.fromUser() == null ? a.createSipURI("anonymous", "anonymous.invalid")
                : a.createSipURI(shown.fromUser(), sip.advertisedHost());
        Address fromAddress = a.createAddress(fromUri);
        if (shown.fromUser() == null) fromAddress.setDisplayName("Anonymous");
        FromHeader from = h.createFromHeader(fromAddress, UUID.randomUUID().toString().substring(0, 12));
        URI toUri = requestUri instanceof SipURI r ? a.createSipURI(r.getUser(), r.getHost()) : requestUri;
        ToHeader to = h.createToHeader(a.createAddress(toUri), null);
        CallIdHeader callId = h.createCallIdHeader(sip.newCallId());
        CSeqHeader cseq = h.createCSeqHeader(1L, Request.INVITE);
        MaxForwardsHeader mf = h.createMaxForwardsHeader(maxForwards(offer));
        java.util.List<ViaHeader> via = new java.util.ArrayList<>();
        via.add(sip.via(transport));
        invite = sip.messages().createRequest(requestUri, Request.INVITE, callId, cseq, from, to, via, mf);
        invite.addHeader(sip.contact(transport));
        // typed factories: createHeader(name, text) would print the URI only to parse it back (RFC 3325, RFC 3323)
        var ext = (HeaderFactoryExt) h;
        if (shown.assertedUser() != null) {
            invite.addHeader(ext.createPAssertedIdentityHeader(a.createAddress(a.createSipURI(shown.assertedUser(), sip.advertisedHost()))));
        }
        if (shown.privacyId()) invite.addHeader(ext.createPrivacyHeader("id"));
        if (target.getDiversionReason() != null) {
            ForwardHeaders.add(invite, offer, h, trunk == null ? DiversionHeader.DIVERSION : trunk.getDiversionHeader(),
                    call.diversionNumber(), sip.advertisedHost(), target.getDiversionReason(), requestUri);
        }
        invite.addHeader(responder.allow());
        RouteHeader route = routeToTrunk();
        if (route != null) invite.addHeader(route);
        if (heldElsewhere()) dialling.peers().routeThroughHolder(invite, binding, phonesOf, sip);
        SessionTimer.Settings timers = call.sessionTimers();
        if (timers.enabled()) {
            askedInterval = timers.expires();
            SessionHeaders.offer(invite, askedInterval, null, timers.minSe(), h);
        }
        if (offer != null) Bodies.copy(offer, invite, call.anchoredOffer()); // the relay's SDP for an anchored call
        sentBody(invite);
        sendInvite(invite);
        if (trunkMeters != null) trunkMeters.attempt();
        noResponse = dialling.scheduler().after(dialling.targetTimeout(), this::onNoResponse);
    }

    /**
     * The B-leg's Max-Forwards: one less than the caller's INVITE had (at most 70), down to 0, so a loop through
     * the edge ends: an INVITE arriving with 0 is answered 483 (EdgeSipListener). A leg the edge starts itself
     * (a transfer's new leg) starts at 70.
     */
    static int maxForwards(Request offer) {
        MaxForwardsHeader callers = offer == null ? null : (MaxForwardsHeader) offer.getHeader(MaxForwardsHeader.NAME);
        return callers == null ? 70 : Math.max(0, Math.min(70, callers.getMaxForwards() - 1));
    }

    /** A trunk whose address is not the request-URI's host gets the INVITE through a loose route. */
    private RouteHeader routeToTrunk() throws Exception {
        if (trunk == null) return null;
        if (requestUri instanceof SipURI uri && uri.getHost().equalsIgnoreCase(trunk.getHost())
                && (uri.getPort() == trunk.getPort() || uri.getPort() < 0 && trunk.getPort() == 5060)) {
            if (!transport.equals("udp") && uri.getTransportParam() == null) uri.setTransportParam(transport);
            return null;
        }
        SipURI hop = sip.addresses().createSipURI(null, trunk.getHost());
        hop.setPort(trunk.getPort());
        hop.setLrParam();
        if (!transport.equals("udp")) hop.setTransportParam(transport);
        Address address = sip.addresses().createAddress(hop);
        return sip.headers().createRouteHeader(address);
    }

    private void sendInvite(Request request) throws Exception {
        if (behindNat()) {
            // RFC 3261 18.2.2 / RFC 5626: reach the phone where its REGISTER came from, keep its Contact as the request-URI
            sip.pin(callIdOf(request), binding.sourceIp(), binding.sourcePort(), binding.transport());
        }
        tx = sip.provider().getNewClientTransaction(request);
        tx.setApplicationData(this);
        settled = false;
        Dialog d = sip.provider().getNewDialog(tx);
        d.setApplicationData(this);
        dialog = d;
        tx.sendRequest();
    }

    /** A registered phone whose flow is at another edge: the INVITE goes through that edge ({@link PeerLink}). */
    private boolean heldElsewhere() { return binding != null && !dialling.peers().holdsHere(binding); }

    /** A registered phone here whose REGISTER came from another address or port than its Contact names. */
    private boolean behindNat() {
        if (binding == null || heldElsewhere() || binding.sourceIp() == null || binding.sourceIp().isEmpty() || binding.sourcePort() <= 0) return false;
        if (!(requestUri instanceof SipURI uri)) return false;
        int port = uri.getPort() > 0 ? uri.getPort() : 5060;
        return !uri.getHost().equals(binding.sourceIp()) || port != binding.sourcePort();
    }

    @Override
    String nextHop() { return behindNat() ? binding.sourceIp() + ":" + binding.sourcePort() + "/" + binding.transport() : null; }

    private static String callIdOf(Request request) { return ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId(); }

    @Override
    protected void dialogOver() {
        if (invite != null) sip.unpin(callIdOf(invite));
    }

    /** The leg is over without a dialog: its route pin (if any) goes. */
    private void done() {
        state = State.DONE;
        if (invite != null) sip.unpin(callIdOf(invite));
    }

    /** Its INVITE failed for good (a final failure, or no final response at all): the leg is over, the stack lets go of it. */
    private void failed() {
        done();
        settled = true;
        release();
    }

    /**
     * Also the INVITE's client transaction lets go of the leg once nothing it may still hear needs the leg: its
     * final failure came (the stack absorbs the retransmissions; Timer D keeps it 32 s on UDP) or its 2xx is
     * acknowledged (the stack re-sends the ACK for a retransmitted 2xx). A leg cancelled while ringing keeps it:
     * a 2xx crossing the CANCEL still needs its ACK and BYE.
     */
    @Override
    void release() {
        super.release();
        ClientTransaction t = tx;
        if (t != null && (settled || acked) && t.getApplicationData() == this) t.setApplicationData(null);
    }

    @Override
    public void onResponse(ResponseEvent event) throws Exception {
        Response response = event.getResponse();
        if (!((CSeqHeader) response.getHeader(CSeqHeader.NAME)).getMethod().equals(Request.INVITE)) return;
        int status = response.getStatusCode();
        // One call's responses are handled one at a time, in the order they take the call's lock: JAIN-SIP's reentrant
        // listener hands them to its pool threads, so a 180 and the 200 behind it may race to this point. Nothing under the
        // lock waits on I/O (Redis goes through the scheduler's offload), so the lock is held for the time of a send.
        synchronized (call) {
            if (status < 200) {
                // a 1xx handled after this leg's final response (overtaken by it on another SIP thread) is stale:
                // never relayed, or the caller would get a 180 after its 200 (RFC 3261 17.1.1.2: no 1xx after a final)
                if (state == State.ANSWERED || state == State.DONE || answerCSeq >= 0) return;
                if (state == State.CALLING) state = State.PROCEEDING;
                cancelTimer();
                if (cancelPending) {
                    cancelPending = false;
                    sendCancel();
                    return;
                }
                if (status > 100 && !cancelled) hunt.onProvisional(this, response);
                return;
            }
            cancelTimer();
            if (status < 300) {
                if (event.getDialog() != null) dialog = event.getDialog();
                dialog.setApplicationData(this);
                answerCSeq = ((CSeqHeader) response.getHeader(CSeqHeader.NAME)).getSeqNumber();
                if (state == State.ANSWERED) return;
                state = State.ANSWERED;
                trunkSaid(status);
                if (cancelled) {
                    ackAndBye();
                    return;
                }
                SessionTimer.Settings timers = call.sessionTimers();
                if (timers.enabled()) session = SessionTimer.answered(call, this, response, askedInterval, timers);
                hunt.onAnswered(this, response);
                return;
            }
            failed();
            boolean challenged = (status == Response.UNAUTHORIZED || status == Response.PROXY_AUTHENTICATION_REQUIRED)
                    && !authTried && trunk != null && trunk.getHasCredentials();
            if (!challenged || cancelled) trunkSaid(status); // a challenge answered is no failure: its retry's outcome counts
            if (cancelled) return;
            if (challenged) {
                authTried = true;
                state = State.CALLING;
                dialling.scheduler().offload(() -> answerChallenge(response),
                        () -> credentialsUnavailable(response, "the edge's store is busy"));
                return;
            }
            if (status == SessionHeaders.SESSION_INTERVAL_TOO_SMALL && raiseInterval(response)) return;
            if (status >= 300 && status < 400) {
                hunt.onRedirect(this, response);
                return;
            }
            hunt.onFailed(this, status, response.getReasonPhrase());
        }
    }

    private void answerChallenge(Response challenge) {
        Optional<TrunkCredentials> credentials;
        try {
            credentials = dialling.trunkCredentials().find(trunk.getTrunkId());
        } catch (RuntimeException e) {
            if (StoreOutage.is(e)) log.warn("call {}: trunk {}'s credentials unknown: {}", call.callId(), trunk.getTrunkId(), e.toString());
            else log.error("call {}: reading trunk {}'s credentials failed", call.callId(), trunk.getTrunkId(), e);
            credentialsUnavailable(challenge, StoreOutage.REASON);
            return;
        }
        synchronized (call) {
            if (cancelled) {
                trunkSaid(challenge.getStatusCode());
                failed();
                return;
            }
            try {
                if (credentials.isEmpty() || !retryWith(challenge, credentials.get())) {
                    trunkSaid(challenge.getStatusCode());
                    failed();
                    hunt.onFailed(this, challenge.getStatusCode(), "no credentials answer the trunk's challenge");
                }
            } catch (Exception e) {
                log.warn("call {}: answering trunk {}'s challenge failed: {}", call.callId(), trunk.getTrunkId(), e.toString());
                trunkSaid(challenge.getStatusCode());
                failed();
                hunt.onFailed(this, 503, "trunk authentication failed");
            }
        }
    }

    /**
     * The trunk's challenge cannot be answered now (its credentials could not be read): the leg fails as
     * the challenge did, so the hunt moves on to the next target or answers the caller. Left waiting, the
     * call would get no final answer, no failover, and stay in the registry for good.
     */
    private void credentialsUnavailable(Response challenge, String reason) {
        synchronized (call) {
            failed();
            if (!cancelled) hunt.onFailed(this, challenge.getStatusCode(), reason);
        }
    }

    private boolean retryWith(Response challenge, TrunkCredentials credentials) throws Exception {
        Request retry = nextInvite();
        if (!ClientDigest.authorize(retry, challenge, credentials, sip.headers())) return false;
        resend(retry);
        return true;
    }

    /**
     * A 422 (RFC 4028 section 7.4): the INVITE goes again, once, asking for the target's Min-SE; false when that
     * is no longer than the INVITE asked for, or longer than the edge takes (then the 422 fails the target).
     */
    private boolean raiseInterval(Response tooSmall) {
        int theirMin = SessionHeaders.minSe(tooSmall);
        if (intervalRaised || askedInterval == 0 || theirMin <= askedInterval || theirMin > SessionTimer.MAX_INTERVAL) return false;
        intervalRaised = true;
        try {
            Request retry = nextInvite();
            SessionHeaders.offer(retry, theirMin, null, Math.max(theirMin, call.sessionTimers().minSe()), sip.headers());
            askedInterval = theirMin;
            state = State.CALLING;
            resend(retry);
            return true;
        } catch (Exception e) {
            log.warn("call {}: INVITE not sent again with Session-Expires {}: {}", call.callId(), theirMin, e.toString());
            failed();
            return false;
        }
    }

    /** The INVITE again, in a new transaction (the next CSeq, a new branch), for a retry. */
    private Request nextInvite() {
        Request retry = (Request) invite.clone();
        retry.removeHeader(ViaHeader.NAME);
        retry.addHeader(sip.via(transport));
        CSeqHeader cseq = (CSeqHeader) retry.getHeader(CSeqHeader.NAME);
        try {
            cseq.setSeqNumber(cseq.getSeqNumber() + 1);
        } catch (javax.sip.InvalidArgumentException e) {
            throw new IllegalStateException(e);
        }
        return retry;
    }

    private void resend(Request retry) throws Exception {
        invite = retry;
        sendInvite(retry);
        noResponse = dialling.scheduler().after(dialling.targetTimeout(), this::onNoResponse);
    }

    @Override
    public void onTimeout() {
        synchronized (call) {
            if (state == State.CALLING || state == State.PROCEEDING) {
                trunkSaid(Response.REQUEST_TIMEOUT);
                failed();
                if (!cancelled) hunt.onFailed(this, 0, "no final response");
            }
        }
    }

    private void onNoResponse() {
        synchronized (call) {
            if (state != State.CALLING) return;
            trunkSaid(Response.REQUEST_TIMEOUT);
            done();
            try {
                tx.terminate();
            } catch (Exception ignored) {
                // already gone
            }
            if (!cancelled) hunt.onFailed(this, 0, "no response within " + dialling.targetTimeout().toMillis() + " ms");
        }
    }

    /** The trunk's final word on this leg's INVITE (its meters: an answer, or a failure by status). */
    private void trunkSaid(int status) {
        if (trunkMeters == null || outcomeCounted) return;
        outcomeCounted = true;
        trunkMeters.outcome(status);
    }

    /** Stops this side: CANCEL while it rings, BYE once answered. */
    void cancel() {
        if (cancelled) return;
        cancelled = true;
        cancelTimer();
        switch (state) {
            case CALLING -> cancelPending = true; // a CANCEL must wait for a provisional response
            case PROCEEDING -> sendCancel();
            case ANSWERED -> sendBye();
            case DONE -> { }
        }
    }

    private void sendCancel() {
        try {
            Request cancel = tx.createCancel();
            ClientTransaction ct = sip.provider().getNewClientTransaction(cancel);
            ct.setApplicationData(ClientHandler.IGNORE);
            ct.sendRequest();
        } catch (Exception e) {
            log.debug("CANCEL on {} not sent: {}", call.callId(), e.toString());
        }
    }

    /** Acknowledges the answer; with a body (the answer to a late offer) taken from {@code answer} when given. */
    void ack(javax.sip.message.Message answer) { ack(answer, null); }

    /** As {@link #ack(javax.sip.message.Message)}, with {@code sdp} (the relay's) in place of the answer's SDP. */
    void ack(javax.sip.message.Message answer, byte[] sdp) {
        if (acked || answerCSeq < 0) return;
        acked = true;
        try {
            Request ack = dialog.createAck(answerCSeq);
            if (answer != null) Bodies.copy(answer, ack, sdp);
            sentBody(ack);
            dialog.sendAck(ack);
        } catch (Exception e) {
            log.warn("ACK on {} not sent: {}", call.callId(), e.toString());
        }
    }

    boolean acked() { return acked; }

    private void ackAndBye() {
        ack(null);
        sendBye();
    }

    private void cancelTimer() {
        if (noResponse != null) noResponse.cancel(false);
    }

    @Override
    public void onStrayResponse(ResponseEvent event) {
        // a 2xx retransmitted before we acknowledged it: a fork we cancelled gets its ACK and BYE
        synchronized (call) {
            if (cancelled && !acked && event.getResponse().getStatusCode() / 100 == 2) ackAndBye();
        }
    }
}
