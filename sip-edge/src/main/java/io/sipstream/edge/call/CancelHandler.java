package io.sipstream.edge.call;

import io.sipstream.edge.log.CallMdc;
import io.sipstream.edge.sip.EdgeSipListener;
import io.sipstream.edge.sip.RequestHandler;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import io.sipstream.edge.sip.SipSource;
import java.util.Objects;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * The caller's CANCEL: 200 for the CANCEL, then its INVITE is answered 487. An INVITE still being
 * authenticated is cancelled before its call starts (the router is never asked); a call already
 * started answers 487 itself and cancels what it dialled, and a verdict arriving later finds no call.
 * A CANCEL must match its INVITE's transaction ({@link #matches}); one that matches none gets 481,
 * whatever its Call-ID.
 */
public final class CancelHandler implements RequestHandler {
    private final SipEndpoint sip;
    private final SipResponder responder;
    private final CallRegistry registry;
    private final EdgeMetrics metrics;

    public CancelHandler(SipEndpoint sip, SipResponder responder, CallRegistry registry, EdgeMetrics metrics) {
        this.sip = sip;
        this.responder = responder;
        this.registry = registry;
        this.metrics = metrics;
    }

    @Override
    public void onRequest(RequestEvent event, SipSource source) {
        ServerTransaction st = EdgeSipListener.serverTransaction(event, sip);
        if (st == null) return;
        Request cancel = st.getRequest();
        String callId = ((CallIdHeader) cancel.getHeader(CallIdHeader.NAME)).getCallId();
        PendingInvite pending = registry.pending(callId);
        if (pending != null && matches(cancel, pending.invite().getRequest()) && pending.cancel()) {
            responder.respond(st, Response.OK);
            metrics.reject(Response.REQUEST_TERMINATED);
            responder.reject(pending.invite(), Response.REQUEST_TERMINATED, "cancelled by the caller");
            return;
        }
        // handed over (or never pending): the call is in the registry before its INVITE stops being pending
        B2buaCall call = registry.get(callId);
        if (call == null || !call.isCancelledBy(cancel)) {
            responder.respond(st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
            return;
        }
        responder.respond(st, Response.OK);
        CallMdc.put(call.callId()); // the SIP listener clears it
        call.onCallerCancel();
    }

    /**
     * Whether a CANCEL is for this INVITE (RFC 3261 9.1 and 9.2): the same Request-URI, Call-ID, From tag, To tag
     * and CSeq number, and the same top Via (branch and sent-by), so only the INVITE's own sender can cancel it,
     * not anyone who learnt its Call-ID. A CANCEL built by the rules of 9.1 always matches.
     */
    static boolean matches(Request cancel, Request invite) {
        if (invite == null || !Request.CANCEL.equals(cancel.getMethod())) return false;
        return Objects.equals(cancel.getRequestURI(), invite.getRequestURI())
                && Objects.equals(callId(cancel), callId(invite))
                && Objects.equals(fromTag(cancel), fromTag(invite))
                && Objects.equals(toTag(cancel), toTag(invite))
                && cseq(cancel) == cseq(invite)
                && sameTopVia(cancel, invite);
    }

    private static String callId(Request r) {
        CallIdHeader h = (CallIdHeader) r.getHeader(CallIdHeader.NAME);
        return h == null ? null : h.getCallId();
    }

    private static String fromTag(Request r) {
        FromHeader h = (FromHeader) r.getHeader(FromHeader.NAME);
        return h == null ? null : h.getTag();
    }

    private static String toTag(Request r) {
        ToHeader h = (ToHeader) r.getHeader(ToHeader.NAME);
        return h == null ? null : h.getTag();
    }

    private static long cseq(Request r) {
        CSeqHeader h = (CSeqHeader) r.getHeader(CSeqHeader.NAME);
        return h == null ? -1 : h.getSeqNumber();
    }

    private static boolean sameTopVia(Request cancel, Request invite) {
        ViaHeader c = (ViaHeader) cancel.getHeader(ViaHeader.NAME);
        ViaHeader i = (ViaHeader) invite.getHeader(ViaHeader.NAME);
        return c != null && i != null && c.getBranch() != null && c.getBranch().equals(i.getBranch())
                && c.getHost().equalsIgnoreCase(i.getHost()) && c.getPort() == i.getPort();
    }
}
