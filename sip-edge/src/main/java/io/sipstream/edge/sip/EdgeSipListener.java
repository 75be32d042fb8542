package io.sipstream.edge.sip;

import gov.nist.javax.sip.DialogTimeoutEvent;
import gov.nist.javax.sip.SipListenerExt;
import io.sipstream.edge.log.CallMdc;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.DialogState;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionAlreadyExistsException;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.TransactionUnavailableException;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JAIN-SIP listener: admits or drops each request (rate limit, bans), then dispatches.
 * In-dialog requests go to the dialog's owner, responses to the client transaction's owner,
 * out-of-dialog requests to the handler of their method. Everything it calls runs under a
 * catch-all: a bug in one call never kills a SIP thread. What an owner of a call does is logged
 * with the call's id ({@link CallMdc}), taken off when the SIP thread is done with the message.
 */
public final class EdgeSipListener implements SipListenerExt {
    private static final Logger log = LoggerFactory.getLogger(EdgeSipListener.class);
    private final SipEndpoint sip;
    private final SipResponder responder;
    private final BiPredicate<SipSource, Request> admit;
    private final Map<String, RequestHandler> handlers = new ConcurrentHashMap<>();
    private volatile PassThrough passThrough;

    public EdgeSipListener(SipEndpoint sip, BiPredicate<SipSource, Request> admit) {
        this.sip = sip;
        this.responder = new SipResponder(sip);
        this.admit = admit;
    }

    /** Offers it every admitted request, and every response no transaction or dialog of the edge claims. */
    public EdgeSipListener passThrough(PassThrough relay) {
        this.passThrough = relay;
        return this;
    }

    /** Handles a method's out-of-dialog requests. */
    public EdgeSipListener on(String method, RequestHandler handler) {
        handlers.put(method, handler);
        return this;
    }

    @Override
    public void processRequest(RequestEvent event) {
        try {
            dispatch(event);
        } catch (Throwable t) {
            log.error("request {} failed", describe(event.getRequest()), t);
            answerError(event);
        } finally {
            CallMdc.clear(); // a handler may have tagged the thread with the call it started or found
        }
    }

    private void dispatch(RequestEvent event) throws Exception {
        Request request = event.getRequest();
        String method = request.getMethod();
        // the ACK of a 401 sent without a transaction: nothing to do, and not counted against the source's rate
        if (method.equals(Request.ACK) && event.getDialog() == null && isAckOfStatelessAnswer(request)) return;
        SipSource source = SipSource.of(event);
        if (!admit.test(source, request)) return; // flood or banned source: dropped without an answer
        Dialog dialog = event.getDialog();
        Object owner = dialog == null ? null : dialog.getApplicationData();
        PassThrough relay = passThrough;
        if (!(owner instanceof DialogHandler) && relay != null && relay.onRequest(event, source)) return;
        if (owner instanceof DialogHandler h) CallMdc.put(h.callId());
        if (method.equals(Request.ACK)) {
            if (dialog != null) sip.earlyAcks().acked(dialog, request);
            if (owner instanceof DialogHandler h) h.onDialogRequest(event, null);
            return; // an ACK for a non-2xx is the transaction layer's; a stray one is dropped
        }
        if (method.equals(Request.CANCEL)) {
            handle(handlers.get(Request.CANCEL), event, source);
            return;
        }
        if (owner instanceof DialogHandler h) {
            ServerTransaction st = serverTransaction(event);
            if (st != null) h.onDialogRequest(event, st);
            return;
        }
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        if (to != null && to.getTag() != null) { // claims a dialog we do not have, or whose call has ended
            ServerTransaction st = serverTransaction(event);
            // a BYE crossing ours in a dialog the stack still has: the dialog ends either way (RFC 3261 15.1.2)
            boolean crossingBye = method.equals(Request.BYE) && dialog != null && dialog.getState() != DialogState.TERMINATED;
            if (st != null && method.equals(Request.BYE)) responder.respondToBye(st, crossingBye ? Response.OK : Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
            else if (st != null) responder.respond(st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
            return;
        }
        MaxForwardsHeader mf = (MaxForwardsHeader) request.getHeader(MaxForwardsHeader.NAME);
        if (mf != null && mf.getMaxForwards() <= 0 && !method.equals(Request.OPTIONS)) {
            ServerTransaction st = serverTransaction(event);
            if (st != null) responder.respond(st, Response.TOO_MANY_HOPS);
            return;
        }
        RequestHandler handler = handlers.get(method);
        if (handler != null) {
            handler.onRequest(event, source);
            return;
        }
        switch (method) {
            case Request.OPTIONS -> {
                ServerTransaction st = serverTransaction(event);
                if (st != null) responder.respond(st, Response.OK, responder.allow());
            }
            case Request.BYE, Request.UPDATE, Request.INFO, Request.PRACK -> {
                ServerTransaction st = serverTransaction(event);
                if (st != null) responder.respond(st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
            }
            // stateless: a method we do not serve needs no transaction (and may lack what one needs)
            default -> responder.sendStateless(responder.response(Response.METHOD_NOT_ALLOWED, request), responder.allow());
        }
    }

    /** An ACK whose To tag is the one {@link SipResponder#statelessTag} gave the answer to its INVITE. */
    static boolean isAckOfStatelessAnswer(Request ack) {
        ToHeader to = (ToHeader) ack.getHeader(ToHeader.NAME);
        return to != null && to.getTag() != null && to.getTag().equals(SipResponder.statelessTag(ack));
    }

    private void handle(RequestHandler handler, RequestEvent event, SipSource source) throws Exception {
        if (handler != null) handler.onRequest(event, source);
    }

    /** The request's server transaction, created if needed; null for a retransmission the stack already has. */
    public static ServerTransaction serverTransaction(RequestEvent event, SipEndpoint sip) {
        ServerTransaction st = event.getServerTransaction();
        if (st != null) return st;
        try {
            return sip.provider().getNewServerTransaction(event.getRequest());
        } catch (TransactionAlreadyExistsException e) {
            return null;
        } catch (TransactionUnavailableException e) {
            // the stack refuses a transaction to a request missing what its method needs (an INVITE without Contact ...)
            SipResponder responder = new SipResponder(sip);
            Response bad = responder.response(Response.BAD_REQUEST, event.getRequest());
            responder.addReason(bad, Response.BAD_REQUEST, e.getMessage());
            responder.sendStateless(bad);
            return null;
        } catch (Exception e) {
            log.debug("no server transaction for {}: {}", describe(event.getRequest()), e.toString());
            return null;
        }
    }

    private ServerTransaction serverTransaction(RequestEvent event) { return serverTransaction(event, sip); }

    private void answerError(RequestEvent event) {
        try {
            if (event.getRequest().getMethod().equals(Request.ACK)) return;
            ServerTransaction st = event.getServerTransaction();
            if (st == null) st = serverTransaction(event);
            if (st != null) responder.respond(st, Response.SERVER_INTERNAL_ERROR);
        } catch (Throwable ignored) {
            // the transaction may already be answered
        }
    }

    @Override
    public void processResponse(ResponseEvent event) {
        try {
            ClientTransaction ct = event.getClientTransaction();
            if (ct != null && ct.getApplicationData() instanceof ClientHandler h) {
                CallMdc.put(h.callId());
                h.onResponse(event);
            } else if (event.getDialog() != null && event.getDialog().getApplicationData() instanceof DialogHandler h) {
                CallMdc.put(h.callId());
                h.onStrayResponse(event);
            } else if (ct == null && passThrough != null) {
                passThrough.onResponse(event);
            }
        } catch (Throwable t) {
            log.error("response {} failed", event.getResponse().getStatusCode(), t);
        } finally {
            CallMdc.clear();
        }
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        try {
            if (!event.isServerTransaction() && event.getClientTransaction().getApplicationData() instanceof ClientHandler h) {
                CallMdc.put(h.callId());
                h.onTimeout();
            }
        } catch (Throwable t) {
            log.error("timeout handling failed", t);
        } finally {
            CallMdc.clear();
        }
    }

    @Override
    public void processDialogTimeout(DialogTimeoutEvent event) {
        try {
            if (event.getDialog().getApplicationData() instanceof DialogHandler h) {
                CallMdc.put(h.callId());
                h.onDialogTimeout();
            }
        } catch (Throwable t) {
            log.error("dialog timeout handling failed", t);
        } finally {
            CallMdc.clear();
        }
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        log.debug("SIP I/O error towards {}:{}/{}", event.getHost(), event.getPort(), event.getTransport());
    }

    // must not read the transaction's request: JAIN-SIP parsed only its identifying headers for this (CleanUpReparse)
    @Override public void processTransactionTerminated(TransactionTerminatedEvent event) {}
    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        try {
            sip.unpin(event.getDialog().getCallId().getCallId());
        } catch (Throwable t) {
            log.debug("dialog end handling failed: {}", t.toString());
        }
    }

    static String describe(Request r) {
        var callId = r.getHeader("Call-ID");
        return r.getMethod() + " " + (callId == null ? "" : callId.toString().trim());
    }
}
