package io.sipstream.edge.sip;

import java.text.ParseException;
import javax.sip.InvalidArgumentException;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.header.Header;
import javax.sip.header.ReasonHeader;
import javax.sip.header.RetryAfterHeader;
import javax.sip.header.WarningHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds and sends responses on server transactions; a failure to send is logged, never thrown. */
public final class SipResponder {
    private static final Logger log = LoggerFactory.getLogger(SipResponder.class);
    public static final String ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, REGISTER, REFER";
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private static final long TAG_SECRET = RANDOM.nextLong();
    private final SipEndpoint sip;

    public SipResponder(SipEndpoint sip) { this.sip = sip; }

    public Response response(int status, Request request) {
        try {
            Response r = sip.messages().createResponse(status, request);
            javax.sip.header.ToHeader to = (javax.sip.header.ToHeader) r.getHeader(javax.sip.header.ToHeader.NAME);
            if (status > 100 && to != null && to.getTag() == null) to.setTag(Long.toHexString(RANDOM.nextLong()));
            return r;
        } catch (ParseException e) {
            throw new IllegalStateException("cannot build a " + status + " response", e);
        }
    }

    /**
     * A response to send without a transaction ({@link #sendStateless}): its To tag is the same for a retransmission of
     * the request (RFC 3261 8.2.7), derived from what identifies the request: Call-ID, From tag, CSeq and Via branch.
     */
    public Response statelessResponse(int status, Request request) {
        try {
            Response r = sip.messages().createResponse(status, request);
            javax.sip.header.ToHeader to = (javax.sip.header.ToHeader) r.getHeader(javax.sip.header.ToHeader.NAME);
            if (status > 100 && to != null && to.getTag() == null) to.setTag(statelessTag(request));
            return r;
        } catch (ParseException e) {
            throw new IllegalStateException("cannot build a " + status + " response", e);
        }
    }

    /**
     * The To tag of a stateless response to this request: the same for a resend of it (and for the ACK of a non-2xx
     * answer to it, which has the same Call-ID, From tag, branch and CSeq number), keyed with a secret of the process
     * so that it cannot be foretold.
     */
    public static String statelessTag(Request request) {
        var via = (javax.sip.header.ViaHeader) request.getHeader(javax.sip.header.ViaHeader.NAME);
        var from = (javax.sip.header.FromHeader) request.getHeader(javax.sip.header.FromHeader.NAME);
        var callId = (javax.sip.header.CallIdHeader) request.getHeader(javax.sip.header.CallIdHeader.NAME);
        var cseq = (javax.sip.header.CSeqHeader) request.getHeader(javax.sip.header.CSeqHeader.NAME);
        long h = TAG_SECRET;
        for (String part : new String[] {callId == null ? null : callId.getCallId(), from == null ? null : from.getTag(),
                via == null ? null : via.getBranch(), cseq == null ? null : Long.toString(cseq.getSeqNumber())}) {
            h = 31 * h + (part == null ? 0 : part.hashCode());
            h ^= h >>> 29; // spread, so that tags of requests that differ a little differ in every digit
            h *= 0xbf58476d1ce4e5b9L;
        }
        return Long.toHexString(h);
    }

    public boolean send(ServerTransaction st, Response response) {
        try {
            st.sendResponse(response);
            sip.earlyAcks().sent(st, response);
            return true;
        } catch (SipException | InvalidArgumentException | RuntimeException e) {
            log.debug("cannot send {} on {}: {}", response.getStatusCode(), st.getBranchId(), e.toString());
            return false;
        }
    }

    /** A response without a transaction: for requests the edge will not keep state for. */
    public void sendStateless(Response response, Header... extra) {
        for (Header h : extra) if (h != null) response.addHeader(h);
        try {
            sip.provider().sendResponse(response);
        } catch (SipException | RuntimeException e) {
            log.debug("cannot send stateless {}: {}", response.getStatusCode(), e.toString());
        }
    }

    public boolean respond(ServerTransaction st, int status, Header... extra) {
        Response r = response(status, st.getRequest());
        for (Header h : extra) if (h != null) r.addHeader(h);
        return send(st, r);
    }

    /**
     * The T1 a BYE's server transaction runs on, so that it lingers 64 x this (Timer J, 1 s) after its answer instead of
     * 64 x 500 ms = 32 s on UDP. Timer J only absorbs the peer's retransmissions of the BYE; one that comes later finds no
     * transaction and is answered again by the listener (200 while the stack still has the dialog, else 481), and
     * either ends the peer's BYE transaction and dialog (RFC 3261 15.1.1). What the 32 s kept was the parsed BYE, its
     * 200 and, without the stack's aggressive clean-up, the dialog: state every call promoted to the old generation
     * (docs/performance.md, session 6).
     */
    static final int BYE_T1_MILLIS = 16;

    /** Answers a BYE, its transaction to be forgotten a second later (see {@link #BYE_T1_MILLIS}). */
    public boolean respondToBye(ServerTransaction st, int status) {
        shortenTimerJ(st);
        return respond(st, status);
    }

    /** Only on UDP: on TCP and TLS Timer J is already 0, and a transaction's timers can be set before they start only. */
    static void shortenTimerJ(ServerTransaction st) {
        try {
            if (st instanceof gov.nist.javax.sip.stack.SIPServerTransaction t && !t.isReliable()) st.setRetransmitTimer(BYE_T1_MILLIS);
        } catch (RuntimeException e) {
            log.debug("BYE transaction {} keeps its Timer J: {}", st.getBranchId(), e.toString());
        }
    }

    /**
     * A response that says why: Reason (RFC 3326) and a Warning 399 with the text. Only for the edge's own
     * words about the request itself; a reason from the router, billing or a trunk goes as {@link Withheld}.
     */
    public boolean reject(ServerTransaction st, int status, String reason, Header... extra) {
        Response r = response(status, st.getRequest());
        addReason(r, status, reason);
        for (Header h : extra) if (h != null) r.addHeader(h);
        return send(st, r);
    }

    /** A response that gives only the status's phrase and the withheld reason's reference (in Reason and Warning). */
    public boolean reject(ServerTransaction st, int status, Withheld reason, Header... extra) {
        Response r = response(status, st.getRequest());
        addReason(r, status, reason);
        for (Header h : extra) if (h != null) r.addHeader(h);
        return send(st, r);
    }

    public void addReason(Response r, int status, Withheld reason) { addReason(r, status, reason.publicText(status)); }

    public void addReason(Response r, int status, String reason) {
        if (reason == null || reason.isBlank()) return;
        String text = reason.replace('"', '\'').replace('\\', '/').replaceAll("[\\r\\n]", " ");
        try {
            ReasonHeader reasonHeader = sip.headers().createReasonHeader("SIP", status, text);
            r.addHeader(reasonHeader);
            WarningHeader warning = sip.headers().createWarningHeader(sip.advertisedHost(), 399, text);
            r.addHeader(warning);
        } catch (ParseException | InvalidArgumentException e) {
            log.debug("reason '{}' not added: {}", text, e.toString());
        }
    }

    /** 503 Service Unavailable with Retry-After and a Reason: the edge's store is down for now ({@link StoreOutage}). */
    public boolean storeUnavailable(ServerTransaction st, int retryAfterSeconds) {
        return reject(st, Response.SERVICE_UNAVAILABLE, StoreOutage.REASON, retryAfter(retryAfterSeconds));
    }

    public Header retryAfter(int seconds) {
        try {
            RetryAfterHeader h = sip.headers().createRetryAfterHeader(seconds);
            return h;
        } catch (InvalidArgumentException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A second Reason header (RFC 3326) with an ITU-T Q.850 cause the router gave, e.g. 34 when every trunk
     * is full: a standard code callers and PBXs act on, with no word of ours in it. Null for no cause or a bad one.
     */
    public Header q850Reason(Integer cause) {
        if (cause == null || cause < 1 || cause > 127) return null;
        try {
            return sip.headers().createReasonHeader("Q.850", cause, cause == 34 ? "No circuit/channel available" : "cause " + cause);
        } catch (ParseException | InvalidArgumentException e) {
            log.debug("Q.850 cause {} not added: {}", cause, e.toString());
            return null;
        }
    }

    public Header allow() {
        try {
            return sip.headers().createAllowHeader(ALLOW);
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }
}
