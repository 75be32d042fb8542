package io.sipstream.edge.registrar;

import io.sipstream.edge.auth.AuthOutcome;
import io.sipstream.edge.auth.SipAuthenticator;
import io.sipstream.edge.registrar.RegistrarMetrics.Outcome;
import io.sipstream.edge.sip.EdgeSipListener;
import io.sipstream.edge.sip.RequestHandler;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import io.sipstream.edge.sip.SipSource;
import io.sipstream.edge.sip.StoreOutage;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.sip.InvalidArgumentException;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.UserAgentHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * REGISTER (RFC 3261 section 10): digest-authenticated, binds the account's contacts in Redis
 * with an expiry between the configured minimum and maximum; several contacts per account;
 * {@code Expires: 0} removes a contact, {@code Contact: *} with {@code Expires: 0} removes all;
 * a REGISTER without Contact lists the bindings. An expiry below the minimum gets 423 with Min-Expires.
 * At most {@code maxContacts} live bindings per account: a REGISTER that would add contacts beyond
 * that gets 403 with a Reason and changes nothing (refreshing or removing bindings is always allowed).
 */
public final class Registrar implements RequestHandler {
    private static final Logger log = LoggerFactory.getLogger(Registrar.class);
    private final SipEndpoint sip;
    private final SipResponder responder;
    private final SipAuthenticator authenticator;
    private final Bindings bindings;
    private final Executor io;
    private final int minExpires;
    private final int maxExpires;
    private final int maxContacts;
    private final int retryAfterSeconds;
    private final RegistrarMetrics metrics;
    private final HoldingEdge here;

    /**
     * @param retryAfterSeconds the Retry-After of a 503 when Redis is down (edge.retry.after)
     * @param here this edge, written into each binding when edges relay to each other; null when they do not
     */
    public Registrar(SipEndpoint sip, SipAuthenticator authenticator, Bindings bindings, Executor io, int minExpires, int maxExpires,
                     int maxContacts, int retryAfterSeconds, RegistrarMetrics metrics, HoldingEdge here) {
        this.sip = sip;
        this.responder = new SipResponder(sip);
        this.authenticator = authenticator;
        this.bindings = bindings;
        this.io = io;
        this.minExpires = minExpires;
        this.maxExpires = maxExpires;
        this.maxContacts = maxContacts;
        this.retryAfterSeconds = retryAfterSeconds;
        this.metrics = metrics;
        this.here = here;
    }

    @Override
    public void onRequest(RequestEvent event, SipSource source) {
        ServerTransaction st = EdgeSipListener.serverTransaction(event, sip);
        if (st == null) return;
        try {
            io.execute(() -> handle(st, source));
        } catch (RejectedExecutionException e) { // too many requests wait on Redis already: not queued behind them
            log.warn("REGISTER from {}:{} refused 503: {}", source.ip(), source.port(), e.getMessage());
            metrics.count(Outcome.UNAVAILABLE);
            responder.storeUnavailable(st, retryAfterSeconds);
        }
    }

    private void handle(ServerTransaction st, SipSource source) {
        try {
            register(st, source);
        } catch (Exception e) {
            if (StoreOutage.is(e)) { // Redis down or too slow: the phone retries later, nothing was bound
                log.warn("REGISTER from {}:{} refused 503: {}", source.ip(), source.port(), e.toString());
                metrics.count(Outcome.UNAVAILABLE);
                responder.storeUnavailable(st, retryAfterSeconds);
            } else {
                log.error("REGISTER from {}:{} failed", source.ip(), source.port(), e);
                metrics.count(Outcome.FAILED);
                responder.respond(st, Response.SERVER_INTERNAL_ERROR);
            }
        }
    }

    private void register(ServerTransaction st, SipSource source) throws ParseException, InvalidArgumentException {
        Request request = st.getRequest();
        AuthOutcome.Authenticated who = authenticator.authenticate(st, source);
        if (who == null) return;
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        if (to == null || !(to.getAddress().getURI() instanceof SipURI aor)
                || !(who.username().equals(aor.getUser()) || who.accountId().equals(aor.getUser()))) {
            responder.reject(st, Response.FORBIDDEN, "may only register your own address");
            metrics.count(Outcome.REFUSED);
            return;
        }
        long now = System.currentTimeMillis();
        ExpiresHeader expiresHeader = request.getExpires();
        int defaultExpires = expiresHeader == null ? maxExpires : expiresHeader.getExpires();
        List<ContactHeader> contacts = new ArrayList<>();
        ListIterator<?> it = request.getHeaders(ContactHeader.NAME);
        while (it != null && it.hasNext()) contacts.add((ContactHeader) it.next());

        boolean wildcard = contacts.stream().anyMatch(ContactHeader::isWildCard);
        if (wildcard) {
            if (contacts.size() != 1 || defaultExpires != 0) {
                responder.reject(st, Response.BAD_REQUEST, "Contact: * needs Expires: 0 and no other contact");
                metrics.count(Outcome.REFUSED);
                return;
            }
            bindings.removeAll(who.accountId());
            metrics.count(Outcome.REMOVED);
            answer(st, who.accountId(), now);
            return;
        }
        for (ContactHeader c : contacts) {
            int expires = c.getExpires() >= 0 ? c.getExpires() : defaultExpires;
            if (expires > 0 && expires < minExpires) {
                Response r = responder.response(Response.INTERVAL_TOO_BRIEF, request);
                r.addHeader(sip.headers().createMinExpiresHeader(minExpires));
                responder.send(st, r);
                metrics.count(Outcome.REFUSED);
                return;
            }
        }
        if (!contacts.isEmpty()) {
            java.util.Set<String> before = new java.util.HashSet<>();
            for (Binding b : bindings.current(who.accountId(), now)) before.add(b.contact());
            java.util.Set<String> after = new java.util.HashSet<>(before);
            for (ContactHeader c : contacts) {
                String contact = c.getAddress().getURI().toString();
                if ((c.getExpires() >= 0 ? c.getExpires() : defaultExpires) == 0) after.remove(contact);
                else after.add(contact);
            }
            if (after.size() > maxContacts && after.size() > before.size()) {
                responder.reject(st, Response.FORBIDDEN, "too many registered contacts (at most " + maxContacts + ")");
                metrics.count(Outcome.REFUSED);
                return;
            }
        }
        String callId = ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId();
        long cseq = ((CSeqHeader) request.getHeader(CSeqHeader.NAME)).getSeqNumber();
        UserAgentHeader ua = (UserAgentHeader) request.getHeader(UserAgentHeader.NAME);
        boolean bound = false;
        for (ContactHeader c : contacts) {
            String contact = c.getAddress().getURI().toString();
            int expires = c.getExpires() >= 0 ? c.getExpires() : defaultExpires;
            if (expires == 0) {
                bindings.remove(who.accountId(), contact);
            } else {
                int granted = Math.min(expires, maxExpires);
                bound = true;
                bindings.put(who.accountId(), new Binding(contact, now + granted * 1000L, callId, cseq, source.ip(),
                        source.port(), source.transport(), ua == null ? null : String.join(" ", asStrings(ua)),
                        here == null ? null : here.edgeId(), here == null ? null : here.address()));
            }
        }
        // counted before the answer: whoever reads the meter after the 200 sees it (a test did not)
        metrics.count(contacts.isEmpty() ? Outcome.QUERIED : bound ? Outcome.REGISTERED : Outcome.REMOVED);
        answer(st, who.accountId(), now);
    }

    private void answer(ServerTransaction st, String accountId, long now) throws ParseException, InvalidArgumentException {
        Response r = responder.response(Response.OK, st.getRequest());
        for (Binding b : bindings.current(accountId, now)) {
            ContactHeader c = sip.headers().createContactHeader(sip.addresses().createAddress(b.contact()));
            c.setExpires((int) b.remainingSeconds(now));
            r.addHeader(c);
        }
        r.addHeader(sip.headers().createDateHeader(java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone("GMT"))));
        responder.send(st, r);
    }

    private static List<String> asStrings(UserAgentHeader ua) {
        List<String> out = new ArrayList<>();
        ListIterator<?> p = ua.getProduct();
        while (p != null && p.hasNext()) out.add(p.next().toString());
        return out;
    }
}
