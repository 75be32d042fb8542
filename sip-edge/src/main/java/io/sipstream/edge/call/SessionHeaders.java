package io.sipstream.edge.call;

import gov.nist.javax.sip.header.HeaderFactoryExt;
import gov.nist.javax.sip.header.extensions.MinSE;
import gov.nist.javax.sip.header.extensions.SessionExpiresHeader;
import io.sipstream.edge.sip.SipResponder;
import java.text.ParseException;
import java.util.ListIterator;
import javax.sip.InvalidArgumentException;
import javax.sip.ServerTransaction;
import javax.sip.header.AllowHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.SupportedHeader;
import javax.sip.message.Message;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * The headers of session timers (RFC 4028): Session-Expires and its refresher, Min-SE, the option
 * tag "timer" in Supported and Require, and whether a peer allows UPDATE (Allow). What they mean for
 * a leg is {@link SessionTimer}'s business.
 */
final class SessionHeaders {
    static final String TIMER = "timer";
    /** RFC 4028's 422 Session Interval Too Small (not among JAIN-SIP's constants). */
    static final int SESSION_INTERVAL_TOO_SMALL = 422;

    /**
     * Session-Expires, Min-SE and Supported: timer on a request the edge sends; {@code refresher} null leaves
     * the choice to the answer (an INVITE that dials a leg).
     */
    static void offer(Request request, int interval, String refresher, int minSe, HeaderFactory headers) {
        try {
            request.setHeader(sessionExpires(interval, refresher, headers));
            request.setHeader(minSeHeader(minSe));
            request.setHeader(headers.createSupportedHeader(TIMER));
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Session-Expires and Supported: timer on a 2xx the edge answers with, and Require: timer when {@code required}. */
    static void grant(Response ok, int interval, String refresher, boolean required, HeaderFactory headers) {
        try {
            ok.setHeader(sessionExpires(interval, refresher, headers));
            ok.setHeader(headers.createSupportedHeader(TIMER));
            if (required) ok.setHeader(headers.createRequireHeader(TIMER));
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SessionExpiresHeader sessionExpires(int interval, String refresher, HeaderFactory headers) {
        try {
            SessionExpiresHeader se = ((HeaderFactoryExt) headers).createSessionExpiresHeader(interval);
            if (refresher != null) se.setRefresher(refresher);
            return se;
        } catch (InvalidArgumentException e) {
            throw new IllegalStateException("no Session-Expires of " + interval, e);
        }
    }

    /** Refuses a request asking for less than the edge's Min-SE: 422 Session Interval Too Small with the Min-SE to ask for. */
    static void refuse(SipResponder responder, ServerTransaction st, int minSe) {
        Response r = responder.response(SESSION_INTERVAL_TOO_SMALL, st.getRequest());
        try {
            r.setReasonPhrase("Session Interval Too Small"); // JAIN-SIP knows no phrase for 422
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
        responder.addReason(r, SESSION_INTERVAL_TOO_SMALL, "Session-Expires is below the edge's Min-SE of " + minSe + " s");
        r.setHeader(minSeHeader(minSe));
        responder.send(st, r);
    }

    static MinSE minSeHeader(int seconds) {
        MinSE h = new MinSE();
        try {
            h.setExpires(seconds);
        } catch (InvalidArgumentException e) {
            throw new IllegalStateException("no Min-SE of " + seconds, e);
        }
        return h;
    }

    /** Whether a message says its sender supports session timers (Supported: timer). */
    static boolean supports(Message m) {
        ListIterator<?> it = m.getHeaders(SupportedHeader.NAME);
        while (it.hasNext()) if (it.next() instanceof SupportedHeader s && TIMER.equalsIgnoreCase(s.getOptionTag())) return true;
        return false;
    }

    static boolean allowsUpdate(Message m) {
        ListIterator<?> it = m.getHeaders(AllowHeader.NAME);
        while (it.hasNext()) if (it.next() instanceof AllowHeader a && Request.UPDATE.equalsIgnoreCase(a.getMethod())) return true;
        return false;
    }

    static boolean hasAllow(Message m) { return m.getHeader(AllowHeader.NAME) != null; }

    static SessionExpiresHeader sessionExpires(Message m) {
        return m.getHeader(SessionExpiresHeader.NAME) instanceof SessionExpiresHeader se ? se : null;
    }

    /** A message's Min-SE in seconds; 0 without one. */
    static int minSe(Message m) { return m.getHeader(MinSE.NAME) instanceof MinSE h ? Math.max(0, h.getExpires()) : 0; }

    private SessionHeaders() {}
}
