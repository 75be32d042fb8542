package io.sipstream.edge.call;

import io.sipstream.edge.sip.ClientHandler;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * An in-dialog request relayed from one leg to the other: its responses go back to the
 * request's origin, bodies untouched. A 2xx to a relayed re-INVITE that carried an offer is
 * acknowledged at once on the side that answered (the originator's own ACK is then absorbed);
 * for a late offer (a re-INVITE without SDP) the 2xx carries the offer, and the side that
 * answered gets its ACK when the originator's ACK brings the answer.
 *
 * <p>A re-INVITE or UPDATE relayed refreshes both sides' sessions (RFC 4028): its 2xx refreshes the side
 * it was sent on and carries the origin side's Session-Expires back; no answer, 408 or 481 from the side it
 * was sent on ends the call as a failed refresh would.
 *
 * <p>In an anchored call the request's offer went through the relay, and so does the 2xx's answer ({@link MediaAnswer}):
 * the origin gets the relay's SDP, not the peer's.
 */
final class RelayedRequest implements ClientHandler {
    /** Turns the answer of a relayed offer into the relay's (off the SIP threads); {@code then} gets it, or null when the relay failed. */
    interface MediaAnswer {
        void answer(byte[] sdp, java.util.function.Consumer<byte[]> then);
    }

    private final SipEndpoint sip;
    private final SipResponder responder;
    private final ServerTransaction origin;
    private final CallLeg from;
    private final CallLeg sentOn;
    /** Null: the answer's body goes back untouched. */
    private final MediaAnswer mediaAnswer;

    RelayedRequest(SipEndpoint sip, SipResponder responder, ServerTransaction origin, CallLeg from, CallLeg sentOn,
                   MediaAnswer mediaAnswer) {
        this.sip = sip;
        this.mediaAnswer = mediaAnswer;
        this.responder = responder;
        this.origin = origin;
        this.from = from;
        this.sentOn = sentOn;
    }

    @Override
    public void onResponse(ResponseEvent event) throws Exception {
        Response in = event.getResponse();
        int status = in.getStatusCode();
        if (status == Response.TRYING) return;
        byte[] answer = mediaAnswer != null && status >= 200 && status < 300 ? Bodies.sdpOf(in) : null;
        if (answer == null) {
            relay(event, null);
            return;
        }
        mediaAnswer.answer(answer, relayed -> {
            try {
                relay(event, relayed);
            } catch (Exception e) {
                responder.respond(origin, Response.SERVER_INTERNAL_ERROR);
            }
        });
    }

    /** {@code relayedSdp}: the relay's answer in place of the peer's; null with a media answer: the relay failed (500). */
    private void relay(ResponseEvent event, byte[] relayedSdp) throws Exception {
        Response in = event.getResponse();
        int status = in.getStatusCode();
        CSeqHeader cseq = (CSeqHeader) in.getHeader(CSeqHeader.NAME);
        boolean invite = cseq.getMethod().equals(Request.INVITE);
        if (invite && status >= 200 && status < 300 && event.getDialog() != null) {
            if (Bodies.has(origin.getRequest())) event.getDialog().sendAck(event.getDialog().createAck(cseq.getSeqNumber()));
            // else owed before the 2xx reaches the originator, whose ACK of its re-INVITE settles it
            else sentOn.oweAck(cseq.getSeqNumber(), ((CSeqHeader) origin.getRequest().getHeader(CSeqHeader.NAME)).getSeqNumber());
        }
        if (mediaAnswer != null && relayedSdp == null && status >= 200 && status < 300 && Bodies.sdpOf(in) != null) { // the peer's own SDP would bypass the relay
            responder.respond(origin, Response.SERVER_INTERNAL_ERROR);
            return;
        }
        Response out = responder.response(status, origin.getRequest());
        Bodies.copy(in, out, relayedSdp);
        if (invite && status < 300) out.setHeader(sip.contact(sentOn == null ? "udp" : originTransport()));
        boolean lost = false;
        if (status >= 200) {
            boolean refresh = invite || cseq.getMethod().equals(Request.UPDATE);
            synchronized (sentOn.call) {
                SessionTimer there = sentOn.sessionTimer();
                SessionTimer here = from.sessionTimer();
                long now = System.currentTimeMillis();
                lost = refresh && there != null
                        && (status == Response.REQUEST_TIMEOUT || status == Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
                if (there != null && !lost) there.heard(now);
                if (refresh && status < 300) {
                    if (there != null) there.peerAccepted(in, now);
                    if (here != null) here.addTo(out, sip.headers());
                    sentOn.sentBody(event.getClientTransaction().getRequest()); // the offer (or none) the side took
                    from.sentBody(out);
                }
            }
        }
        responder.send(origin, out);
        if (lost) sentOn.call.sessionExpired(sentOn, sentOn.sessionTimer().lastHeard(), "answered a relayed session refresh " + status);
    }

    private String originTransport() {
        var via = origin.getRequest().getHeader(javax.sip.header.ViaHeader.NAME);
        return via instanceof javax.sip.header.ViaHeader v && v.getTransport() != null ? v.getTransport() : "udp";
    }

    @Override
    public void onTimeout() {
        responder.respond(origin, Response.REQUEST_TIMEOUT);
        String method = origin.getRequest().getMethod();
        SessionTimer there = sentOn.sessionTimer();
        if (there != null && (method.equals(Request.INVITE) || method.equals(Request.UPDATE))) {
            sentOn.call.sessionExpired(sentOn, there.lastHeard(), "did not answer a relayed session refresh");
        }
    }

    @Override
    public String callId() { return sentOn == null ? null : sentOn.callId(); }
}
