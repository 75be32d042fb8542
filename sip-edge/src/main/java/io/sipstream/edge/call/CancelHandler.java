package io.sipstream.edge.call;

import io.sipstream.edge.sip.EdgeSipListener;
import io.sipstream.edge.sip.RequestHandler;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
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
        String callId = ((CallIdHeader) event.getRequest().getHeader(CallIdHeader.NAME)).getCallId();
        PendingInvite pending = registry.pending(callId);
        if (pending != null && pending.cancel()) {
            responder.respond(st, Response.OK);
            metrics.reject(Response.REQUEST_TERMINATED);
            responder.reject(pending.invite(), Response.REQUEST_TERMINATED, "cancelled by the caller");
            return;
        }
        // handed over (or never pending): the call is in the registry before its INVITE stops being pending
        B2buaCall call = registry.get(callId);
        if (call == null) {
            responder.respond(st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
            return;
        }
        responder.respond(st, Response.OK);
        call.onCallerCancel();
    }
}
