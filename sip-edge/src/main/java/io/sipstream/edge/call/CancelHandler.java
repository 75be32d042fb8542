package io.sipstream.edge.call;

import io.sipstream.edge.sip.EdgeSipListener;
import io.sipstream.edge.sip.RequestHandler;
import io.sipstream.edge.sip.SipSource;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.header.CallIdHeader;
import javax.sip.message.Response;

/**
 * The caller's CANCEL: 200 for the CANCEL, then its INVITE is answered 487. An INVITE still being
 * authenticated is cancelled before its call starts (the router is never asked); a call already
 * started answers 487 itself and cancels what it dialled, and a verdict arriving later finds no call.
 */
public final class CancelHandler implements RequestHandler {
    private final CallServices s;

    public CancelHandler(CallServices s) { this.s = s; }

    @Override
    public void onRequest(RequestEvent event, SipSource source) {
        ServerTransaction st = EdgeSipListener.serverTransaction(event, s.sip());
        if (st == null) return;
        String callId = ((CallIdHeader) event.getRequest().getHeader(CallIdHeader.NAME)).getCallId();
        PendingInvite pending = s.registry().pending(callId);
        if (pending != null && pending.cancel()) {
            s.responder().respond(st, Response.OK);
            s.metrics().reject(Response.REQUEST_TERMINATED);
            s.responder().reject(pending.invite(), Response.REQUEST_TERMINATED, "cancelled by the caller");
            return;
        }
        // handed over (or never pending): the call is in the registry before its INVITE stops being pending
        B2buaCall call = s.registry().get(callId);
        if (call == null) {
            s.responder().respond(st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
            return;
        }
        s.responder().respond(st, Response.OK);
        call.onCallerCancel();
    }
}
