package io.sipstream.edge.call;

import io.sipstream.edge.sip.EdgeSipListener;
import io.sipstream.edge.sip.RequestHandler;
import io.sipstream.edge.sip.SipSource;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.header.CallIdHeader;
import javax.sip.message.Response;

/** The caller's CANCEL: 200 for the CANCEL, then the call answers its INVITE 487 and cancels what it dialled. */
public final class CancelHandler implements RequestHandler {
    private final CallServices s;

    public CancelHandler(CallServices s) { this.s = s; }

    @Override
    public void onRequest(RequestEvent event, SipSource source) {
        ServerTransaction st = EdgeSipListener.serverTransaction(event, s.sip());
        if (st == null) return;
        String callId = ((CallIdHeader) event.getRequest().getHeader(CallIdHeader.NAME)).getCallId();
        B2buaCall call = s.registry().get(callId);
        if (call == null) {
            s.responder().respond(st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
            return;
        }
        s.responder().respond(st, Response.OK);
        call.onCallerCancel();
    }
}
