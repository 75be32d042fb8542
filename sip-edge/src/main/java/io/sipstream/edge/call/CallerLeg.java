package io.sipstream.edge.call;

import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import io.sipstream.edge.sip.Withheld;
import java.text.ParseException;
import java.util.UUID;
import javax.sip.ServerTransaction;
import javax.sip.header.CallIdHeader;
import javax.sip.header.Header;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * The caller's side (the edge as UAS): the INVITE's server transaction and the dialog the edge
 * answers in. Everything the callee says reaches the caller through here, under one To tag.
 */
public final class CallerLeg extends CallLeg {
    /** The INVITE and its transaction, until the call is over (then only the stack needs them). */
    private ServerTransaction invite;
    private Request request;
    private final String toTag = UUID.randomUUID().toString().substring(0, 12);
    private boolean finalSent;

    /** Where the edge's requests in this dialog go whatever the caller's Contact says (a phone behind NAT); null: by the URIs. */
    private final CallerHop pinned;

    /**
     * @param source where the INVITE came from; an account's phone whose Contact names another address (behind NAT)
     *               is reached there, as its registrations are. Null: the Contact is trusted (a trunk's call).
     */
    CallerLeg(B2buaCall call, SipEndpoint sip, SipResponder responder, ServerTransaction invite, String transport,
              CallerHop source) throws Exception {
        super(call, sip, responder, transport);
        this.invite = invite;
        this.request = invite.getRequest();
        this.dialog = sip.provider().getNewDialog(invite);
        this.dialog.setApplicationData(this);
        this.pinned = source != null && source.differsFrom(request) ? source : null;
        if (pinned != null) sip.pin(callIdOf(request), pinned.ip(), pinned.port(), pinned.transport());
    }

    private static String callIdOf(Request r) { return ((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId(); }

    @Override
    String nextHop() { return pinned == null ? null : pinned.toString(); }

    Request request() { return request; }

    ServerTransaction transaction() { return invite; }

    boolean offeredSdp() { return Bodies.has(request); }

    boolean finalSent() { return finalSent; }

    /** Once the call is over (its final response sent): the leg lets go of the dialog and the INVITE. */
    @Override
    void release() {
        super.release();
        if (pinned != null && dialog != null) sip.unpin(dialog.getCallId().getCallId());
        if (finalSent) {
            invite = null;
            request = null;
        }
    }

    /** Relays a callee's 18x (with its early media SDP, if any; {@code sdp}: the relay's in its place, for an anchored call). */
    void provisional(Response from, byte[] sdp) {
        if (finalSent) return;
        Response r = tagged(from.getStatusCode());
        Bodies.copy(from, r, sdp);
        responder.send(invite, r);
    }

    /**
     * Relays the callee's 2xx, with its SDP, and the session timer the caller's INVITE negotiates with the edge
     * (Session-Expires; Allow, so the caller may refresh with UPDATE).
     */
    void answer(Response from, byte[] sdp) {
        if (finalSent) return;
        finalSent = true;
        Response r = tagged(from.getStatusCode());
        Bodies.copy(from, r, sdp);
        SessionTimer.Settings timers = call.sessionTimers();
        if (timers.enabled()) {
            SessionTimer timer = SessionTimer.answering(call, this, request, timers);
            timer.addTo(r, sip.headers());
            r.setHeader(responder.allow());
            session = timer;
        }
        sentBody(r);
        responder.send(invite, r);
    }

    /** Ends the call attempt with a final failure: Reason and Warning give the withheld reason's reference, not the reason. */
    void reject(int status, Withheld reason, Header... extra) {
        if (finalSent) return;
        finalSent = true;
        Response r = tagged(status);
        responder.addReason(r, status, reason);
        for (Header h : extra) if (h != null) r.addHeader(h);
        responder.send(invite, r);
    }

    private Response tagged(int status) {
        Response r = responder.response(status, request);
        try {
            ((ToHeader) r.getHeader(ToHeader.NAME)).setTag(toTag);
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
        if (status < 300) r.setHeader(sip.contact(transport));
        return r;
    }
}
