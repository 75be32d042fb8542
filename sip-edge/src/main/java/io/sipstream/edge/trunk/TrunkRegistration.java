package io.sipstream.edge.trunk;

import io.sipstream.avro.Trunk;
import io.sipstream.edge.sip.ClientHandler;
import io.sipstream.edge.sip.SipEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the edge registered at a provider whose trunk says register=true: REGISTER with the
 * trunk's credentials (answering its digest challenge), refreshed before the granted expiry,
 * retried with an exponential back-off (5 s doubling to 5 min) while it fails: refused (403, a
 * second challenge) or unanswered within {@code answerWithin}.
 *
 * <p>The provider then sends its calls to the registered Contact, from addresses no allow-list
 * names: {@link #matches} tells them by the Contact's {@code line} parameter (a random token of
 * this registration, which providers copy into the Request-URI; RFC 3261 10.2.1, as phones and
 * PBXs tell their lines apart) or by coming from the registrar's own address and port (a proxy sends
 * from its SIP port, and over TCP or TLS on the edge's connection to it; the address alone would take
 * in every other host behind it). The Contact's user alone would not do: it is the account name at the
 * provider, which others may know.
 */
public final class TrunkRegistration {
    private static final Logger log = LoggerFactory.getLogger(TrunkRegistration.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    private static final Duration MAX_RETRY = Duration.ofMinutes(5);

    /** Where a registration stands, for /healthz. */
    public enum Status { PENDING, REGISTERED, FAILING, STOPPED }

    private final SipEndpoint sip;
    private final Trunk trunk;
    private final TrunkCredentialStore store;
    private final ScheduledExecutorService timers;
    private final Executor io;
    private final int expires;
    private final Duration answerWithin;
    private final String callId;
    /** The Contact's {@code line} parameter: unguessable, so a request carrying it was sent to this registration. */
    private final String line = java.util.HexFormat.of().formatHex(randomBytes());
    /** The registrar's address:port pairs (its host resolved at each REGISTER): requests from them are the provider's. */
    private volatile java.util.Set<String> registrarAddresses = java.util.Set.of();
    private Attempt current;
    private long cseq = 1;
    private volatile Status status = Status.PENDING;
    private String detail = "not yet sent";
    private Duration backoff = FIRST_RETRY;
    private ScheduledFuture<?> next;
    private boolean challengeAnswered;
    private Request lastRequest;
    private TrunkCredentials credentials;
    private long expiresAtMillis;

    public TrunkRegistration(SipEndpoint sip, Trunk trunk, TrunkCredentialStore store, ScheduledExecutorService timers,
                             Executor io, int expires, Duration answerWithin) {
        this.sip = sip;
        this.trunk = trunk;
        this.store = store;
        this.timers = timers;
        this.io = io;
        this.expires = expires;
        this.answerWithin = answerWithin;
        this.callId = sip.newCallId();
    }

    public Trunk trunk() { return trunk; }

    /**
     * Whether a request is the provider's: its Request-URI carries this registration's {@code line} token, or it came
     * from the registrar's address and port. Lock-free: asked on SIP threads for every request no allow-list claims.
     */
    public boolean matches(Request request, String sourceIp, int sourcePort) {
        if (status == Status.STOPPED) return false;
        if (request.getRequestURI() instanceof SipURI uri && line.equals(uri.getParameter("line"))) return true;
        return sourcePort == trunk.getPort() && registrarAddresses.contains(sourceIp);
    }

    public synchronized Status status() { return status; }

    public synchronized String detail() {
        return status == Status.REGISTERED ? "registered, expires in " + Math.max(0, (expiresAtMillis - System.currentTimeMillis()) / 1000) + " s" : detail;
    }

    public void start() { schedule(Duration.ZERO); }

    private synchronized void schedule(Duration delay) {
        if (status == Status.STOPPED) return;
        next = timers.schedule(() -> {
            try {
                io.execute(this::send);
            } catch (RejectedExecutionException e) { // Redis too slow to keep up: tried again later, never given up
                failed("REGISTER not sent: " + e.getMessage());
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void send() {
        try {
            Optional<TrunkCredentials> found = store.find(trunk.getTrunkId());
            java.util.Set<String> addresses = resolve(trunk.getHost()); // DNS, outside the lock /healthz reads the status under
            synchronized (this) {
                if (status == Status.STOPPED) return;
                if (found.isEmpty()) {
                    failed("no credentials for trunk " + trunk.getTrunkId());
                    return;
                }
                credentials = found.get();
                challengeAnswered = false;
                registrarAddresses = addresses;
                sendRegister(build(expires));
            }
        } catch (Exception e) {
            failed("REGISTER not sent: " + e.getMessage());
        }
    }

    /** The registrar's addresses; none when its name does not resolve (JAIN-SIP's send then fails with the reason). */
    private static java.util.Set<String> resolve(String host) {
        try {
            java.util.Set<String> out = new java.util.HashSet<>();
            for (java.net.InetAddress a : java.net.InetAddress.getAllByName(host)) out.add(a.getHostAddress());
            return java.util.Set.copyOf(out);
        } catch (java.net.UnknownHostException e) {
            return java.util.Set.of();
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    private Request build(int expiresSeconds) throws Exception {
        var h = sip.headers();
        var a = sip.addresses();
        String transport = trunk.getTransport().name().toLowerCase(Locale.ROOT);
        SipURI registrar = a.createSipURI(null, trunk.getHost());
        registrar.setPort(trunk.getPort());
        if (!transport.equals("udp")) registrar.setTransportParam(transport);
        SipURI aor = a.createSipURI(credentials.username(), trunk.getHost());
        var from = h.createFromHeader(a.createAddress(aor), Long.toHexString(System.nanoTime()));
        var to = h.createToHeader(a.createAddress(aor), null);
        CallIdHeader cid = h.createCallIdHeader(callId);
        CSeqHeader cs = h.createCSeqHeader(cseq++, Request.REGISTER);
        Request r = sip.messages().createRequest(registrar, Request.REGISTER, cid, cs, from, to,
                List.of(sip.via(transport)), h.createMaxForwardsHeader(70));
        SipURI contactUri = sip.uri(credentials.username(), transport);
        contactUri.setParameter("line", line);
        ContactHeader contact = h.createContactHeader(a.createAddress(contactUri));
        r.addHeader(contact);
        r.addHeader(h.createExpiresHeader(expiresSeconds));
        return r;
    }

    /** One REGISTER transaction: only the latest one's answer or silence counts (a late one's is ignored). */
    private final class Attempt implements ClientHandler {
        boolean settled;

        @Override
        public void onResponse(ResponseEvent event) throws Exception { answered(this, event.getResponse()); }

        @Override
        public void onTimeout() { unanswered(this); }
    }

    private void sendRegister(Request r) throws Exception {
        lastRequest = r;
        Attempt attempt = new Attempt();
        current = attempt;
        try {
            ClientTransaction ct = sip.provider().getNewClientTransaction(r);
            ct.setApplicationData(attempt);
            ct.sendRequest();
        } catch (Exception e) {
            attempt.settled = true; // failed at once: the caller retries, the deadline has nothing to add
            throw e;
        }
        // JAIN-SIP gives up on an unanswered REGISTER after 32 s (Timer F); a provider silent for as long as the edge
        // waits for a trunk's answer to a call is down, and the retry starts then
        timers.schedule(() -> unanswered(attempt), answerWithin.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void unanswered(Attempt attempt) {
        if (attempt != current || attempt.settled) return;
        attempt.settled = true;
        failed("provider did not answer within " + answerWithin.toMillis() + " ms");
    }

    private synchronized void answered(Attempt attempt, Response response) throws Exception {
        int code = response.getStatusCode();
        if (code < 200 || status == Status.STOPPED || attempt != current || attempt.settled) return;
        attempt.settled = true;
        if (code < 300) {
            int granted = grantedExpires(response);
            status = Status.REGISTERED;
            detail = "registered";
            backoff = FIRST_RETRY;
            expiresAtMillis = System.currentTimeMillis() + granted * 1000L;
            // refresh well before expiry: at 3/4 of a long binding, 5 s ahead of a short one
            long refresh = granted > 40 ? granted * 3L / 4 : Math.max(1, granted - 5);
            schedule(Duration.ofSeconds(refresh));
            log.info("trunk {}: registered for {} s", trunk.getTrunkId(), granted);
            return;
        }
        if ((code == Response.UNAUTHORIZED || code == Response.PROXY_AUTHENTICATION_REQUIRED) && !challengeAnswered) {
            challengeAnswered = true;
            Request retry = (Request) lastRequest.clone();
            retry.removeHeader(ViaHeader.NAME);
            retry.addHeader(sip.via(trunk.getTransport().name()));
            ((CSeqHeader) retry.getHeader(CSeqHeader.NAME)).setSeqNumber(cseq++);
            if (ClientDigest.authorize(retry, response, credentials, sip.headers())) {
                try {
                    sendRegister(retry);
                } catch (Exception e) {
                    failed("REGISTER not sent: " + e.getMessage());
                }
                return;
            }
        }
        failed("provider answered " + code + " " + response.getReasonPhrase());
    }

    private int grantedExpires(Response response) {
        var it = response.getHeaders(ContactHeader.NAME);
        while (it != null && it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            if (c.getExpires() > 0 && c.getAddress().getURI() instanceof SipURI u && credentials.username().equals(u.getUser())) {
                return c.getExpires();
            }
        }
        ExpiresHeader e = response.getExpires();
        return e != null && e.getExpires() > 0 ? e.getExpires() : expires;
    }

    private synchronized void failed(String why) {
        if (status == Status.STOPPED) return;
        status = Status.FAILING;
        detail = why + "; retry in " + backoff.toSeconds() + " s";
        log.warn("trunk {}: registration failed: {}", trunk.getTrunkId(), detail);
        schedule(backoff);
        backoff = backoff.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : backoff.multipliedBy(2);
    }

    /** Stops refreshing and, when registered, removes the binding at the provider (best effort). */
    public synchronized void stop() {
        boolean wasRegistered = status == Status.REGISTERED;
        status = Status.STOPPED;
        if (next != null) next.cancel(false);
        if (wasRegistered && credentials != null) {
            try {
                Request r = build(0);
                ClientTransaction ct = sip.provider().getNewClientTransaction(r);
                ct.setApplicationData(ClientHandler.IGNORE);
                ct.sendRequest();
            } catch (Exception e) {
                log.debug("trunk {}: unREGISTER not sent: {}", trunk.getTrunkId(), e.toString());
            }
        }
    }
}
