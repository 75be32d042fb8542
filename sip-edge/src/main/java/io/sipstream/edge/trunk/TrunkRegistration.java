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
 * retried with an exponential back-off (5 s doubling to 5 min) while it fails.
 */
public final class TrunkRegistration implements ClientHandler {
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
    private final String callId;
    private long cseq = 1;
    private Status status = Status.PENDING;
    private String detail = "not yet sent";
    private Duration backoff = FIRST_RETRY;
    private ScheduledFuture<?> next;
    private boolean challengeAnswered;
    private Request lastRequest;
    private TrunkCredentials credentials;
    private long expiresAtMillis;

    public TrunkRegistration(SipEndpoint sip, Trunk trunk, TrunkCredentialStore store, ScheduledExecutorService timers,
                             Executor io, int expires) {
        this.sip = sip;
        this.trunk = trunk;
        this.store = store;
        this.timers = timers;
        this.io = io;
        this.expires = expires;
        this.callId = sip.newCallId();
    }

    public Trunk trunk() { return trunk; }

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
            synchronized (this) {
                if (status == Status.STOPPED) return;
                if (found.isEmpty()) {
                    failed("no credentials for trunk " + trunk.getTrunkId());
                    return;
                }
                credentials = found.get();
                challengeAnswered = false;
                sendRegister(build(expires));
            }
        } catch (Exception e) {
            failed("REGISTER not sent: " + e.getMessage());
        }
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
        ContactHeader contact = h.createContactHeader(a.createAddress(sip.uri(credentials.username(), transport)));
        r.addHeader(contact);
        r.addHeader(h.createExpiresHeader(expiresSeconds));
        return r;
    }

    private void sendRegister(Request r) throws Exception {
        lastRequest = r;
        ClientTransaction ct = sip.provider().getNewClientTransaction(r);
        ct.setApplicationData(this);
        ct.sendRequest();
    }

    @Override
    public synchronized void onResponse(ResponseEvent event) throws Exception {
        Response response = event.getResponse();
        int code = response.getStatusCode();
        if (code < 200 || status == Status.STOPPED) return;
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
                sendRegister(retry);
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

    @Override
    public synchronized void onTimeout() { failed("provider did not answer"); }

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
