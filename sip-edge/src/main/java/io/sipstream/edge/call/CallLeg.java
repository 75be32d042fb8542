package io.sipstream.edge.call;

import io.sipstream.edge.sip.ClientHandler;
import io.sipstream.edge.sip.DialogHandler;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.DialogState;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.header.CSeqHeader;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.SubscriptionStateHeader;
import javax.sip.message.Message;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of a call: its dialog and the requests in it. The caller's side is a
 * {@link CallerLeg}, each side the edge dials a {@link CalleeLeg}; the rules between them are
 * the {@link B2buaCall}'s.
 */
public abstract sealed class CallLeg implements DialogHandler permits CallerLeg, CalleeLeg {
    private static final Logger log = LoggerFactory.getLogger(CallLeg.class);
    protected final B2buaCall call;
    protected final SipEndpoint sip;
    protected final SipResponder responder;
    protected final String transport;
    protected volatile Dialog dialog;
    /** The leg's session timer once it is answered (null with session timers off); set under the call's lock. */
    protected volatile SessionTimer session;
    /** The SDP the edge last sent on this leg: a session refresh by re-INVITE offers it again, unchanged. */
    private byte[] sentSdp;
    private ContentTypeHeader sentSdpType;

    protected CallLeg(B2buaCall call, SipEndpoint sip, SipResponder responder, String transport) {
        this.call = call;
        this.sip = sip;
        this.responder = responder;
        this.transport = transport;
    }

    @Override
    public void onDialogRequest(RequestEvent event, ServerTransaction st) throws Exception {
        Request request = event.getRequest();
        SessionTimer timer = session;
        if (timer != null) timer.heard(System.currentTimeMillis()); // any request from the peer shows it is alive
        switch (request.getMethod()) {
            case Request.ACK -> call.onAck(this, request);
            case Request.BYE -> {
                responder.respondToBye(st, Response.OK);
                dialogOver();
                release();
                call.onBye(this);
            }
            case Request.INVITE, Request.UPDATE, Request.INFO -> call.onRelay(this, st);
            case Request.REFER -> call.onRefer(this, st);
            case Request.OPTIONS -> responder.respond(st, Response.OK, responder.allow());
            default -> responder.respond(st, Response.METHOD_NOT_ALLOWED, responder.allow());
        }
    }

    @Override
    public void onDialogTimeout() { call.onLegLost(this); }

    @Override
    public String callId() { return call.callId(); }

    /** Ends this side's dialog with a BYE (answers do not matter). */
    void sendBye() {
        Dialog d = dialog;
        if (d == null || d.getState() != DialogState.CONFIRMED) return;
        try {
            Request bye = d.createRequest(Request.BYE);
            ClientTransaction ct = sip.provider().getNewClientTransaction(bye);
            ct.setApplicationData(ClientHandler.IGNORE);
            d.sendRequest(ct);
        } catch (Exception e) {
            log.debug("BYE on {} not sent: {}", call.callId(), e.toString());
        }
        dialogOver();
        release();
    }

    /** This side's dialog has ended with a BYE (the stack keeps it a while longer; what the leg holds for it can go now). */
    protected void dialogOver() {}

    /**
     * This side is over: the stack keeps its dialog a while longer (the BYE's server transaction holds it for
     * Timer J, 32 s on UDP), and with the leg as its application data it would keep the whole call, both parsed
     * INVITEs and the other leg with it. A request arriving in the dialog later finds no owner and is answered by
     * the listener (BYE 200, anything else 481); retransmissions are the transactions' to absorb.
     */
    void release() {
        stopSessionTimer();
        Dialog d = dialog;
        if (d != null && d.getApplicationData() == this) d.setApplicationData(null);
    }

    /** Starts the leg's session timer (negotiated when it was answered), from the call's answer. */
    void startSessionTimer(long now) {
        SessionTimer timer = session;
        if (timer != null) timer.start(now);
    }

    void stopSessionTimer() {
        SessionTimer timer = session;
        if (timer != null) timer.stop();
    }

    SessionTimer sessionTimer() { return session; }

    /**
     * Sends the other side's in-dialog request (re-INVITE, UPDATE, INFO), which came on {@code from}, on this side,
     * body untouched; a re-INVITE or UPDATE carries this side's Session-Expires (it refreshes this side's session too).
     */
    void relay(ServerTransaction origin, CallLeg from) throws Exception { relay(origin, from, null, null); }

    /**
     * As {@link #relay(ServerTransaction, CallLeg)}, for an anchored call's offer: {@code sdp} is the relay's in place of
     * the offer, and {@code answer} turns the 2xx's answer into the relay's.
     */
    void relay(ServerTransaction origin, CallLeg from, byte[] sdp, RelayedRequest.MediaAnswer answer) throws Exception {
        Request in = origin.getRequest();
        Request out = dialog.createRequest(in.getMethod());
        Bodies.copy(in, out, sdp);
        if (in.getMethod().equals(Request.INVITE) || in.getMethod().equals(Request.UPDATE)) {
            out.setHeader(sip.contact(transport));
            SessionTimer timer = session;
            if (timer != null) timer.addTo(out, sip.headers());
        }
        ClientTransaction ct = sip.provider().getNewClientTransaction(out);
        ct.setApplicationData(new RelayedRequest(sip, responder, origin, from, this, answer));
        dialog.sendRequest(ct);
    }

    /** Remembers the SDP of a message the edge sent (or got accepted) on this leg. */
    void sentBody(Message m) {
        byte[] raw = m.getRawContent();
        if (raw == null || raw.length == 0 || !(m.getHeader(ContentTypeHeader.NAME) instanceof ContentTypeHeader type)) return;
        if (!Bodies.isSdp(type)) return;
        sentSdp = raw;
        sentSdpType = type;
    }

    boolean hasSentSdp() { return sentSdp != null; }

    /**
     * Whether this leg is a browser's (WebRTC): it runs over WS or WSS, or {@code fromPeer} (an offer or answer its peer
     * sent) carries DTLS-SRTP. Such a leg is anchored in rtpengine with ICE, DTLS-SRTP and rtcp-mux on its side, plain
     * RTP on the other (B2buaCall's media). Asked only of a call whose media may be anchored.
     */
    public boolean webRtc(Message fromPeer) {
        return WebRtc.transport(transport) || fromPeer != null && Bodies.has(fromPeer) && WebRtc.sdp(fromPeer.getRawContent());
    }

    /**
     * A session refresh of the edge's in this leg's dialog (RFC 4028): UPDATE without a body, or a re-INVITE offering
     * the SDP the edge last sent here. Its answers go to {@code timer}; {@code t1Millis}: its transaction's T1.
     */
    void sendSessionRefresh(boolean update, SessionTimer timer, int t1Millis) throws Exception {
        Dialog d = dialog;
        if (d == null || d.getState() != DialogState.CONFIRMED) throw new IllegalStateException("the dialog is not confirmed");
        Request out = d.createRequest(update ? Request.UPDATE : Request.INVITE);
        if (!update) {
            out.setHeader(sip.contact(transport));
            out.setContent(sentSdp, (ContentTypeHeader) sentSdpType.clone());
        }
        timer.addTo(out, sip.headers());
        ClientTransaction ct = sip.provider().getNewClientTransaction(out);
        ct.setApplicationData(timer);
        if (t1Millis != ct.getRetransmitTimer()) ct.setRetransmitTimer(t1Millis);
        d.sendRequest(ct);
    }

    /** The owed ACK: its CSeq on this leg, and the CSeq of the other side's re-INVITE whose ACK brings the answer. */
    private record OwedAck(long cseq, long answeredBy) {}

    private volatile OwedAck owedAck;

    /**
     * A 2xx to a late-offer re-INVITE relayed on this leg ({@code cseq} here) waits for the answer from the ACK of the
     * other side's re-INVITE ({@code originCSeq} there).
     */
    void oweAck(long cseq, long originCSeq) { owedAck = new OwedAck(cseq, originCSeq); }

    /**
     * Sends the ACK this leg is owed (if any) with the answer {@code ack} carries, if it is the ACK of the re-INVITE
     * that is owed one: a retransmission of the ACK of an earlier INVITE (its 2xx came again under load) can reach
     * the edge between the relayed 2xx and the real answer, and carries no answer.
     */
    void settleAck(Request ack) { settleAck(ack, null); }

    /** As {@link #settleAck(Request)}, with {@code sdp} (the relay's, in an anchored call) in place of the ACK's answer. */
    void settleAck(Request ack, byte[] sdp) {
        OwedAck owed = owedAck;
        if (owed == null || !(ack.getHeader(CSeqHeader.NAME) instanceof CSeqHeader c) || c.getSeqNumber() != owed.answeredBy()) return;
        owedAck = null;
        try {
            Request out = dialog.createAck(owed.cseq());
            Bodies.copy(ack, out, sdp);
            sentBody(out);
            dialog.sendAck(out);
        } catch (Exception e) {
            log.warn("ACK on {} not sent: {}", call.callId(), e.toString());
        }
    }

    /** Sends a re-INVITE in this leg's dialog carrying {@code offer}'s body; its answers go to {@code handler}. */
    void reinvite(Message offer, ClientHandler handler) throws Exception {
        Request out = dialog.createRequest(Request.INVITE);
        Bodies.copy(offer, out);
        out.setHeader(sip.contact(transport));
        ClientTransaction ct = sip.provider().getNewClientTransaction(out);
        ct.setApplicationData(handler);
        dialog.sendRequest(ct);
    }

    /**
     * A NOTIFY of a REFER's progress (RFC 3515 section 2.4.5): the status line as message/sipfrag.
     * {@code then} runs once the NOTIFY is answered (or cannot be sent, or times out).
     */
    void notifyRefer(int status, String reason, boolean last, Runnable then) {
        Dialog d = dialog;
        if (d == null || d.getState() != DialogState.CONFIRMED) {
            then.run();
            return;
        }
        try {
            var h = sip.headers();
            Request notify = d.createRequest(Request.NOTIFY);
            notify.setHeader(h.createEventHeader("refer"));
            SubscriptionStateHeader subscription = h.createSubscriptionStateHeader(
                    last ? SubscriptionStateHeader.TERMINATED : SubscriptionStateHeader.ACTIVE);
            if (last) subscription.setReasonCode("noresource");
            else subscription.setExpires(60);
            notify.setHeader(subscription);
            notify.setHeader(sip.contact(transport));
            ContentTypeHeader type = h.createContentTypeHeader("message", "sipfrag");
            type.setParameter("version", "2.0");
            String phrase = reason == null || reason.isBlank() ? "" : " " + reason.replaceAll("[\\r\\n]", " ");
            notify.setContent("SIP/2.0 " + status + phrase + "\r\n", type);
            ClientTransaction ct = sip.provider().getNewClientTransaction(notify);
            ct.setApplicationData(new ClientHandler() {
                @Override
                public void onResponse(javax.sip.ResponseEvent event) {
                    if (event.getResponse().getStatusCode() >= 200) then.run();
                }

                @Override
                public void onTimeout() { then.run(); }
            });
            d.sendRequest(ct);
        } catch (Exception e) {
            log.debug("NOTIFY on {} not sent: {}", call.callId(), e.toString());
            then.run();
        }
    }

    Dialog dialog() { return dialog; }

    /** This side's dialog as a BYE after a crash needs it; null when it cannot be told (never fails the call). */
    LegDialog legDialog() {
        try {
            return LegDialog.of(dialog, transport, nextHop());
        } catch (RuntimeException e) {
            log.warn("call {}: its dialog cannot be journalled, a crash would leave it up: {}", call.callId(), e.toString());
            return null;
        }
    }

    /** {@code host:port/transport} this side's requests go to whatever the dialog's URIs say; null: routed by them. */
    String nextHop() { return null; }
}
