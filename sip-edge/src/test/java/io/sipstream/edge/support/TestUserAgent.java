package io.sipstream.edge.support;

import io.sipstream.edge.auth.DigestMath;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * The tests' own SIP peer on 127.0.0.1 (UDP; or TCP or TLS, on another loopback address if asked), built on JAIN-SIP: places calls as a softphone
 * (answering the edge's digest challenge once) or answers them as a trunk or a registered phone,
 * by a behaviour the test sets. It records every request and response it receives.
 */
public final class TestUserAgent implements SipListener, AutoCloseable {
    public static final String SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final SipStack stack;
    private final SipProvider provider;
    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final AddressFactory addresses;
    private final int port;
    private final BlockingQueue<Request> received = new LinkedBlockingQueue<>();
    private final List<Request> all = new CopyOnWriteArrayList<>();
    private final Map<String, OutgoingCall> outgoing = new ConcurrentHashMap<>();
    private final Map<String, IncomingCall> incoming = new ConcurrentHashMap<>();
    private final BlockingQueue<IncomingCall> incomingQueue = new LinkedBlockingQueue<>();
    private volatile Consumer<IncomingCall> onInvite = IncomingCall::ringAndAnswer;
    private volatile String challengeRealm;
    private volatile java.util.function.Function<Request, RegisterAnswer> registerAnswer;
    private volatile String advertised;
    private volatile boolean silent;
    private volatile Duration ackDelay = Duration.ZERO;
    private volatile Runnable beforeReInviteAck = () -> { };

    private final String transport;
    private final String host;

    private TestUserAgent(String name, String transport, String host, Properties tls) throws Exception { this(name, transport, host, tls, 0); }

    /** {@code wantedPort}: 0 for any free port. */
    private TestUserAgent(String name, String transport, String host, Properties tls, int wantedPort) throws Exception {
        this.name = name;
        this.transport = transport;
        this.host = host;
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", "test-ua-" + name + "-" + COUNTER.incrementAndGet());
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", io.sipstream.edge.sip.Slf4jStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", io.sipstream.edge.sip.QuietServerLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "4");
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
        p.putAll(tls);
        gov.nist.core.CommonLogger.legacyLogger = new io.sipstream.edge.sip.Slf4jStackLogger();
        stack = factory.createSipStack(p);
        messages = factory.createMessageFactory();
        headers = factory.createHeaderFactory();
        addresses = factory.createAddressFactory();
        ListeningPoint lp = null;
        int bound = -1;
        for (int attempt = 0; attempt < 20 && lp == null; attempt++) {
            int candidate = wantedPort > 0 ? wantedPort : freeUdpPort();
            try {
                lp = stack.createListeningPoint(host, candidate, transport);
                bound = candidate;
            } catch (Exception e) {
                // taken meanwhile: try another
            }
        }
        if (lp == null) throw new IllegalStateException("no free UDP port for " + name);
        port = bound;
        provider = stack.createSipProvider(lp);
        provider.addSipListener(this);
        stack.start();
    }

    public static TestUserAgent start(String name) throws Exception { return new TestUserAgent(name, "udp", "127.0.0.1", new Properties()); }

    /** An agent that speaks SIP over TCP only, from this loopback address (127.0.0.2 ...: a source of its own). */
    /** A UDP agent on this loopback address (127.0.0.2 ...): a peer the edge can tell from those on 127.0.0.1. */
    public static TestUserAgent startUdp(String name, String host) throws Exception {
        return new TestUserAgent(name, "udp", host, new Properties());
    }

    public static TestUserAgent startTcp(String name, String host) throws Exception {
        return new TestUserAgent(name, "tcp", host, new Properties());
    }

    /** An agent on this UDP port (a peer that starts answering where nobody did). */
    public static TestUserAgent startOn(String name, int port) throws Exception {
        return new TestUserAgent(name, "udp", "127.0.0.1", new Properties(), port);
    }

    /** An agent that speaks SIP over TLS only, trusting (and presenting) the certificate of a PKCS12 keystore. */
    public static TestUserAgent startTls(String name, java.nio.file.Path keystore, String password) throws Exception {
        return startTls(name, "127.0.0.1", keystore, password);
    }

    /** As {@link #startTls(String, java.nio.file.Path, String)}, from this loopback address. */
    public static TestUserAgent startTls(String name, String host, java.nio.file.Path keystore, String password) throws Exception {
        Properties tls = new Properties();
        io.sipstream.edge.sip.SipStackProperties.addTls(tls, keystore.toString(), password, null);
        // a test agent trusts what its own keystore holds (the edge's certificate), with JAIN-SIP's default provider
        tls.remove("gov.nist.javax.sip.SECURITY_MANAGER_PROVIDER");
        tls.setProperty("javax.net.ssl.trustStore", keystore.toString());
        tls.setProperty("javax.net.ssl.trustStorePassword", password);
        tls.setProperty("javax.net.ssl.trustStoreType", "pkcs12");
        return new TestUserAgent(name, "tls", host, tls);
    }

    /** sip:user@host:port, with ;transport=tcp or tls when this agent speaks that. */
    private String uri(String user) { return "sip:" + user + "@" + host + ":" + port + (transport.equals("udp") ? "" : ";transport=" + transport); }

    /** A port free for both UDP and TCP on 127.0.0.1. */
    public static int freeUdpPort() throws Exception {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket tcp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                int p = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(p, InetAddress.getLoopbackAddress())) {
                    return p;
                } catch (Exception taken) {
                    // next
                }
            }
        }
        throw new IllegalStateException("no free port");
    }

    public int port() { return port; }

    public String name() { return name; }

    /** What this agent does with each INVITE it receives (default: 180, then 200 with SDP). */
    public TestUserAgent onInvite(Consumer<IncomingCall> behaviour) {
        this.onInvite = behaviour;
        return this;
    }

    /** The Contact this agent puts in its answers and INVITEs (as a phone behind NAT would: an address it cannot be reached at). */
    public TestUserAgent advertise(String contactUri) {
        this.advertised = contactUri;
        return this;
    }

    private String myContact() { return advertised != null ? advertised : uri(name); }

    /** From now on answers no request (they are still recorded): a phone that lost its network or its power. */
    public TestUserAgent goSilent() {
        this.silent = true;
        return this;
    }

    /**
     * From now on acknowledges a 2xx to its re-INVITEs this much later: what a loaded peer or network does (the
     * far side retransmits its 2xx meanwhile, every 500 ms, then 1 s, 2 s ...).
     */
    public TestUserAgent delayAcks(Duration delay) {
        this.ackDelay = delay;
        return this;
    }

    /** Runs when a 2xx to a re-INVITE of this agent's has come, before its ACK goes (and before {@link #delayAcks}). */
    public TestUserAgent beforeReInviteAck(Runnable hook) {
        this.beforeReInviteAck = hook;
        return this;
    }

    /**
     * How this agent, as a provider's registrar, answers a REGISTER: a status (0: no answer at all), the
     * WWW-Authenticate values of a 401, the Expires of a 2xx.
     */
    public record RegisterAnswer(int status, List<String> challenges, int expires) {
        public static RegisterAnswer silence() { return new RegisterAnswer(0, List.of(), 0); }

        public static RegisterAnswer status(int status) { return new RegisterAnswer(status, List.of(), 0); }

        public static RegisterAnswer ok(int expires) { return new RegisterAnswer(200, List.of(), expires); }

        public static RegisterAnswer challenge(String... wwwAuthenticate) { return new RegisterAnswer(401, List.of(wwwAuthenticate), 0); }
    }

    /** Makes this agent a registrar answering each REGISTER as {@code answer} says (it sees every one, retransmissions aside). */
    public TestUserAgent onRegister(java.util.function.Function<Request, RegisterAnswer> answer) {
        this.registerAnswer = answer;
        return this;
    }

    /** Makes this agent a registrar that challenges REGISTERs without credentials (and accepts any with). */
    public TestUserAgent challengingRegistrar(String realm) {
        this.challengeRealm = realm;
        return this;
    }

    // ---------------------------------------------------------------- as a caller

    /** Sends an INVITE; with a password, answers one 401/407 challenge. */
    public OutgoingCall call(String requestUri, String fromUser, String password, Map<String, String> extraHeaders) throws Exception {
        return call(requestUri, fromUser, password, extraHeaders, c -> { });
    }

    /** As {@link #call(String, String, String, Map)}, configuring the call before its INVITE goes out. */
    public OutgoingCall call(String requestUri, String fromUser, String password, Map<String, String> extraHeaders,
                             Consumer<OutgoingCall> configure) throws Exception {
        SipURI from = addresses.createSipURI(fromUser, "sipstream.local");
        Request invite = newRequest(Request.INVITE, addresses.createURI(requestUri), from, UUID.randomUUID() + "@test", 1);
        for (var e : extraHeaders.entrySet()) addHeader(invite, e.getKey(), e.getValue());
        invite.setContent(SDP, headers.createContentTypeHeader("application", "sdp"));
        OutgoingCall call = new OutgoingCall(invite, fromUser, password);
        configure.accept(call);
        outgoing.put(callId(invite), call);
        call.send(invite);
        return call;
    }

    /** A header, or a list of them in one line (Allow: INVITE, UPDATE ...). */
    private void addHeader(Request r, String name, String value) throws ParseException {
        try {
            r.addHeader(headers.createHeader(name, value));
        } catch (ParseException list) {
            for (Object h : ((gov.nist.javax.sip.header.HeaderFactoryImpl) headers).createHeaders(name + ": " + value)) {
                r.addHeader((javax.sip.header.Header) h);
            }
        }
    }

    public OutgoingCall call(String requestUri, String fromUser, String password) throws Exception {
        return call(requestUri, fromUser, password, Map.of());
    }

    /** Sends a REGISTER for user@domain binding this agent's contact; answers one challenge. Returns the final response. */
    public Response register(String registrar, String user, String password, int expires, String contactOrNull) throws Exception {
        SipURI aor = addresses.createSipURI(user, "sipstream.local");
        Request reg = newRequest(Request.REGISTER, addresses.createURI(registrar), aor, UUID.randomUUID() + "@test", 1);
        reg.setHeader(headers.createToHeader(addresses.createAddress(aor), null));
        reg.removeHeader(ContactHeader.NAME);
        if ("*".equals(contactOrNull)) {
            reg.addHeader(headers.createContactHeader());
        } else {
            reg.addHeader(headers.createContactHeader(addresses.createAddress(contactOrNull != null ? contactOrNull
                    : uri(user))));
        }
        reg.addHeader(headers.createExpiresHeader(expires));
        OutgoingCall tx = new OutgoingCall(reg, user, password);
        outgoing.put(callId(reg), tx);
        tx.send(reg);
        return tx.awaitFinal(Duration.ofSeconds(10));
    }

    /** Sends an OPTIONS and returns its final response. */
    public Response options(String requestUri) throws Exception {
        SipURI from = addresses.createSipURI(name, "sipstream.local");
        Request options = newRequest(Request.OPTIONS, addresses.createURI(requestUri), from, UUID.randomUUID() + "@test", 1);
        OutgoingCall tx = new OutgoingCall(options, name, null);
        outgoing.put(callId(options), tx);
        tx.send(options);
        return tx.awaitFinal(Duration.ofSeconds(10));
    }

    private Request newRequest(String method, javax.sip.address.URI uri, SipURI fromUri, String callId, long cseq) throws Exception {
        var from = headers.createFromHeader(addresses.createAddress(fromUri), UUID.randomUUID().toString().substring(0, 8));
        javax.sip.address.URI toUri = uri instanceof SipURI s ? addresses.createSipURI(s.getUser(), s.getHost()) : uri;
        var to = headers.createToHeader(addresses.createAddress(toUri), null);
        ViaHeader via = headers.createViaHeader(host, port, transport, null);
        Request r = messages.createRequest(uri, method, headers.createCallIdHeader(callId), headers.createCSeqHeader(cseq, method),
                from, to, new ArrayList<>(List.of(via)), headers.createMaxForwardsHeader(70));
        // a caller behind NAT names an address in its INVITE's Contact it cannot be reached at (see advertise)
        String contact = advertised != null && method.equals(Request.INVITE) ? advertised : uri(fromUri.getUser());
        r.addHeader(headers.createContactHeader(addresses.createAddress(contact)));
        return r;
    }

    /** A call (or REGISTER) this agent placed, with every response it got. */
    public final class OutgoingCall {
        private Request request;
        private final String user;
        private final String password;
        private final List<Response> responses = new CopyOnWriteArrayList<>();
        private final BlockingQueue<Response> finals = new LinkedBlockingQueue<>();
        private volatile ClientTransaction tx;
        private volatile Dialog dialog;
        private volatile boolean authSent;
        private volatile String algorithm = DigestMath.SHA256;
        private volatile Runnable beforeRetry = () -> { };
        private volatile String digestUri;
        private final BlockingQueue<Response> cancelAnswers = new LinkedBlockingQueue<>();

        OutgoingCall(Request request, String user, String password) {
            this.request = request;
            this.user = user;
            this.password = password;
        }

        void send(Request r) throws Exception {
            request = r;
            tx = provider.getNewClientTransaction(r);
            tx.sendRequest();
            dialog = tx.getDialog();
        }

        synchronized void onResponse(ResponseEvent event) throws Exception {
            Response r = event.getResponse();
            responses.add(r);
            int status = r.getStatusCode();
            if ((status == 401 || status == 407) && password != null && !authSent) {
                authSent = true;
                Request retry = (Request) request.clone();
                retry.removeHeader(ViaHeader.NAME);
                retry.addHeader(headers.createViaHeader(host, port, transport, null));
                CSeqHeader cseq = (CSeqHeader) retry.getHeader(CSeqHeader.NAME);
                cseq.setSeqNumber(cseq.getSeqNumber() + 1);
                retry.addHeader(authorization(retry, r));
                beforeRetry.run();
                send(retry);
                return;
            }
            if (status >= 200) {
                // only the 2xx to the call's own INVITE: a 2xx to a re-INVITE that comes again before its ACK (the edge
                // retransmits it every 500 ms) is acknowledged by inDialog, with the answer to its offer
                if (cseq(r) != cseq(request)) return;
                if (status < 300 && request.getMethod().equals(Request.INVITE) && event.getDialog() != null) {
                    dialog = event.getDialog();
                    dialog.sendAck(dialog.createAck(cseq(r)));
                }
                finals.add(r);
            }
        }

        private AuthorizationHeader authorization(Request retry, Response challenge) throws ParseException {
            WWWAuthenticateHeader chosen = null;
            ListIterator<?> it = challenge.getHeaders(WWWAuthenticateHeader.NAME);
            while (it.hasNext()) {
                WWWAuthenticateHeader h = (WWWAuthenticateHeader) it.next();
                if (algorithm.equalsIgnoreCase(h.getAlgorithm())) chosen = h;
            }
            if (chosen == null) chosen = (WWWAuthenticateHeader) challenge.getHeader(WWWAuthenticateHeader.NAME);
            String uri = digestUri != null ? digestUri : retry.getRequestURI().toString();
            String alg = chosen.getAlgorithm();
            String ha1 = DigestMath.ha1(alg, user, chosen.getRealm(), password);
            String cnonce = "c0ffee";
            String response = DigestMath.response(alg, ha1, chosen.getNonce(), "00000001", cnonce, "auth", retry.getMethod(), uri);
            AuthorizationHeader a = headers.createAuthorizationHeader("Digest");
            a.setUsername(user);
            a.setRealm(chosen.getRealm());
            a.setNonce(chosen.getNonce());
            a.setURI(digestUri != null ? addresses.createURI(digestUri) : retry.getRequestURI());
            a.setResponse(response);
            a.setAlgorithm(alg);
            a.setQop("auth");
            a.setCNonce(cnonce);
            a.setNonceCount(1);
            return a;
        }

        /** Runs just before the request with credentials goes out (on the agent's SIP thread). */
        public OutgoingCall beforeAuthenticatedRetry(Runnable hook) {
            this.beforeRetry = hook;
            return this;
        }

        /** Computes the digest for this URI (and names it in Authorization) instead of the Request-URI. */
        public OutgoingCall digestUri(String uri) {
            this.digestUri = uri;
            return this;
        }

        /** Which challenge algorithm to answer (SHA-256 by default). */
        public OutgoingCall preferring(String alg) {
            this.algorithm = alg;
            return this;
        }

        public Response awaitFinal(Duration timeout) throws InterruptedException {
            Response r = finals.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (r == null) throw new AssertionError(name + ": no final response within " + timeout + "; got " + statuses());
            return r;
        }

        public Response awaitStatus(int status, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end) {
                for (Response r : responses) if (r.getStatusCode() == status) return r;
                Thread.sleep(20);
            }
            throw new AssertionError(name + ": no " + status + " within " + timeout + "; got " + statuses());
        }

        /** A response of a status to the request with this CSeq number (1: the first INVITE, 2: its retry with credentials). */
        public Response awaitStatus(int status, long cseq, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end) {
                for (Response r : responses) if (r.getStatusCode() == status && cseq(r) == cseq) return r;
                Thread.sleep(10);
            }
            throw new AssertionError(name + ": no " + status + " to CSeq " + cseq + " within " + timeout + "; got " + statuses());
        }

        public List<Integer> statuses() { return responses.stream().map(Response::getStatusCode).toList(); }

        public String callId() { return TestUserAgent.callId(request); }

        public Request request() { return request; }

        /** Hangs up an answered call. */
        /** Hangs up; returns the BYE sent. */
        public Request bye() throws Exception {
            Request bye = dialog.createRequest(Request.BYE);
            ClientTransaction ct = provider.getNewClientTransaction(bye);
            dialog.sendRequest(ct);
            return bye;
        }

        /**
         * A BYE in this call's dialog, built but not sent: to send as one raw datagram, which nothing retransmits (the
         * stack's own BYE goes again after 500 ms, and a SIP thread may get to that copy first).
         */
        public Request newBye() throws Exception {
            Request bye = dialog.createRequest(Request.BYE);
            ((ViaHeader) bye.getHeader(ViaHeader.NAME)).setBranch("z9hG4bK" + UUID.randomUUID().toString().substring(0, 12));
            return bye;
        }

        /** Cancels a ringing call (of the latest INVITE sent); {@link #awaitCancelAnswer} reads the CANCEL's own answer. */
        public void cancel() throws Exception {
            Request cancel = tx.createCancel();
            ClientTransaction ct = provider.getNewClientTransaction(cancel);
            inDialogWaiters.put(ct, cancelAnswers);
            ct.sendRequest();
        }

        public int awaitCancelAnswer(Duration timeout) throws InterruptedException {
            Response r = cancelAnswers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (r == null) throw new AssertionError(name + ": the CANCEL got no final response within " + timeout);
            return r.getStatusCode();
        }

        /** Sends an in-dialog request (INFO, UPDATE, REFER ...) and returns its final status. */
        public int sendInDialog(String method, Map<String, String> extraHeaders) throws Exception {
            return inDialog(dialog, method, extraHeaders).getStatusCode();
        }

        /** As {@link #sendInDialog}, returning the final response. */
        public Response requestInDialog(String method, Map<String, String> extraHeaders) throws Exception {
            return inDialog(dialog, method, extraHeaders);
        }
    }

    private final Map<ClientTransaction, BlockingQueue<Response>> inDialogWaiters = new ConcurrentHashMap<>();

    // ---------------------------------------------------------------- as a callee

    /** An INVITE this agent received; the behaviour answers it. */
    public final class IncomingCall {
        private final Request invite;
        private final ServerTransaction st;
        private final String toTag = UUID.randomUUID().toString().substring(0, 8);
        private volatile boolean cancelled;
        private volatile Request bye;

        IncomingCall(Request invite, ServerTransaction st) {
            this.invite = invite;
            this.st = st;
        }

        public Request invite() { return invite; }

        /** The tag this agent answers with (its side of the dialog). */
        public String toTag() { return toTag; }

        public String callId() { return TestUserAgent.callId(invite); }

        public boolean cancelled() { return cancelled; }

        public void respond(int status) { respond(status, Map.of()); }

        public void respond(int status, Map<String, String> extra) {
            respond(status, extra, status >= 200 && status < 300 ? SDP.replace("40000", "50000") : null);
        }

        /** A response carrying this SDP (none when null). */
        public void respond(int status, Map<String, String> extra, String sdp) {
            try {
                Response r = messages.createResponse(status, invite);
                if (status > 100) ((ToHeader) r.getHeader(ToHeader.NAME)).setTag(toTag);
                if (status < 300) r.addHeader(headers.createContactHeader(addresses.createAddress(myContact())));
                for (var e : extra.entrySet()) r.addHeader(headers.createHeader(e.getKey(), e.getValue()));
                if (sdp != null) r.setContent(sdp, headers.createContentTypeHeader("application", "sdp"));
                st.sendResponse(r);
            } catch (Exception e) {
                throw new IllegalStateException(name + " cannot answer " + status + ": " + e, e);
            }
        }

        /**
         * Sends a response in this call's dialog outside its transaction, as raw UDP to {@code port} on 127.0.0.1: what a
         * peer's late or reordered datagram looks like (e.g. a 180 that arrives after the 200). The stack refuses to send it.
         */
        public void respondRaw(int status, int port) {
            try {
                Response r = messages.createResponse(status, invite);
                if (status > 100) ((ToHeader) r.getHeader(ToHeader.NAME)).setTag(toTag);
                if (status < 300) r.addHeader(headers.createContactHeader(addresses.createAddress(myContact())));
                byte[] bytes = r.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
                    socket.send(new java.net.DatagramPacket(bytes, bytes.length, java.net.InetAddress.getLoopbackAddress(), port));
                }
            } catch (Exception e) {
                throw new IllegalStateException(name + " cannot send a raw " + status + ": " + e, e);
            }
        }

        public void ringAndAnswer() {
            respond(180);
            pause(100); // a phone rings before it is answered (and the 180 is not overtaken)
            respond(200);
        }

        private static void pause(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        public void ring() { respond(180); }

        /** Hangs up an answered incoming call. */
        public void bye() throws Exception {
            Dialog d = st.getDialog();
            Request r = d.createRequest(Request.BYE);
            d.sendRequest(provider.getNewClientTransaction(r));
        }

        /** Sends an in-dialog request towards the edge and returns its final status. */
        public int sendInDialog(String method, Map<String, String> extraHeaders) throws Exception {
            return inDialog(st.getDialog(), method, extraHeaders).getStatusCode();
        }
    }

    /** The SDP this agent answers a late offer with (in the ACK). */
    public static final String ANSWER_SDP = SDP.replace("40000", "40002");

    /**
     * An in-dialog request and its final response. A re-INVITE goes without SDP (a late offer);
     * its 2xx is acknowledged with {@link #ANSWER_SDP}.
     */
    private Response inDialog(Dialog d, String method, Map<String, String> extraHeaders) throws Exception {
        Request r = d.createRequest(method);
        for (var e : extraHeaders.entrySet()) r.addHeader(headers.createHeader(e.getKey(), e.getValue()));
        ClientTransaction ct = provider.getNewClientTransaction(r);
        BlockingQueue<Response> answers = new LinkedBlockingQueue<>();
        inDialogWaiters.put(ct, answers);
        d.sendRequest(ct);
        Response answer = answers.poll(10, TimeUnit.SECONDS);
        if (answer == null) throw new AssertionError(method + " got no final response");
        if (method.equals(Request.INVITE) && answer.getStatusCode() / 100 == 2) {
            beforeReInviteAck.run();
            if (ackDelay.isPositive()) Thread.sleep(ackDelay.toMillis());
            Request ack = d.createAck(cseq(answer));
            ack.setContent(ANSWER_SDP, headers.createContentTypeHeader("application", "sdp"));
            d.sendAck(ack);
        }
        return answer;
    }

    public IncomingCall awaitIncoming(Duration timeout) throws InterruptedException {
        IncomingCall c = incomingQueue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (c == null) throw new AssertionError(name + " received no INVITE within " + timeout);
        return c;
    }

    /** The next received request of a method (others stay recorded in {@link #requests()}). */
    public Request awaitRequest(String method, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            Request r = received.poll(50, TimeUnit.MILLISECONDS);
            if (r != null && r.getMethod().equals(method)) return r;
        }
        throw new AssertionError(name + " received no " + method + " within " + timeout + "; all: " + methods());
    }

    /** Whether a request of a method for a call arrived within the time. */
    public boolean receivedWithin(String method, String callId, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            for (Request r : all) if (r.getMethod().equals(method) && (callId == null || callId.equals(callId(r)))) return true;
            Thread.sleep(20);
        }
        return false;
    }

    public List<Request> requests() { return Collections.unmodifiableList(all); }

    public List<String> methods() { return all.stream().map(Request::getMethod).toList(); }

    public void clear() {
        received.clear();
        all.clear();
        incomingQueue.clear();
    }

    // ---------------------------------------------------------------- listener

    @Override
    public void processRequest(RequestEvent event) {
        Request request = event.getRequest();
        all.add(request);
        received.add(request);
        if (silent) return;
        try {
            ServerTransaction st = event.getServerTransaction();
            switch (request.getMethod()) {
                case Request.ACK -> { }
                case Request.INVITE -> {
                    if (st == null) st = provider.getNewServerTransaction(request);
                    ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
                    if (to.getTag() != null) { // re-INVITE: accept with our SDP
                        Response r = messages.createResponse(200, request);
                        r.addHeader(headers.createContactHeader(addresses.createAddress(myContact())));
                        r.setContent(SDP, headers.createContentTypeHeader("application", "sdp"));
                        st.sendResponse(r);
                        return;
                    }
                    IncomingCall call = new IncomingCall(request, st);
                    incoming.put(callId(request), call);
                    incomingQueue.add(call);
                    Consumer<IncomingCall> behaviour = onInvite;
                    Thread.ofVirtual().start(() -> behaviour.accept(call));
                }
                case Request.CANCEL -> {
                    if (st == null) st = provider.getNewServerTransaction(request);
                    st.sendResponse(messages.createResponse(200, request));
                    IncomingCall call = incoming.get(callId(request));
                    if (call != null) {
                        call.cancelled = true;
                        call.respond(487);
                    }
                }
                case Request.BYE -> {
                    if (st == null) st = provider.getNewServerTransaction(request);
                    st.sendResponse(messages.createResponse(200, request));
                    IncomingCall call = incoming.get(callId(request));
                    if (call != null) call.bye = request;
                }
                case Request.REGISTER -> {
                    if (st == null) st = provider.getNewServerTransaction(request);
                    var custom = registerAnswer;
                    if (custom != null) {
                        RegisterAnswer answer = custom.apply(request);
                        if (answer.status() == 0) return; // silent: the edge's transaction times out
                        Response r = messages.createResponse(answer.status(), request);
                        for (String challenge : answer.challenges()) r.addHeader(headers.createHeader(WWWAuthenticateHeader.NAME, challenge));
                        if (answer.expires() > 0) r.addHeader(headers.createExpiresHeader(answer.expires()));
                        st.sendResponse(r);
                    } else if (challengeRealm != null && request.getHeader(AuthorizationHeader.NAME) == null) {
                        Response r = messages.createResponse(401, request);
                        WWWAuthenticateHeader h = headers.createWWWAuthenticateHeader("Digest");
                        h.setRealm(challengeRealm);
                        h.setNonce("reg-nonce");
                        h.setAlgorithm("MD5");
                        h.setQop("auth");
                        r.addHeader(h);
                        st.sendResponse(r);
                    } else {
                        Response r = messages.createResponse(200, request);
                        r.addHeader(headers.createExpiresHeader(120));
                        st.sendResponse(r);
                    }
                }
                default -> {
                    if (st == null) st = provider.getNewServerTransaction(request);
                    st.sendResponse(messages.createResponse(200, request));
                }
            }
        } catch (Exception e) {
            System.err.println(name + ": cannot handle " + request.getMethod() + ": " + e);
        }
    }

    @Override
    public void processResponse(ResponseEvent event) {
        try {
            ClientTransaction ct = event.getClientTransaction();
            if (ct != null && inDialogWaiters.containsKey(ct)) {
                if (event.getResponse().getStatusCode() >= 200) inDialogWaiters.remove(ct).add(event.getResponse());
                return;
            }
            OutgoingCall call = outgoing.get(callId(event.getResponse()));
            CSeqHeader cseq = (CSeqHeader) event.getResponse().getHeader(CSeqHeader.NAME);
            if (call != null && cseq.getMethod().equals(call.request.getMethod())) call.onResponse(event);
        } catch (Exception e) {
            System.err.println(name + ": cannot handle response: " + e);
        }
    }

    @Override public void processTimeout(TimeoutEvent event) {}
    @Override public void processIOException(IOExceptionEvent event) {}
    @Override public void processTransactionTerminated(TransactionTerminatedEvent event) {}
    @Override public void processDialogTerminated(DialogTerminatedEvent event) {}

    static String callId(javax.sip.message.Message m) { return ((CallIdHeader) m.getHeader(CallIdHeader.NAME)).getCallId(); }

    static long cseq(javax.sip.message.Message m) { return ((CSeqHeader) m.getHeader(CSeqHeader.NAME)).getSeqNumber(); }

    /** The user part of a header's URI (From, To, P-Asserted-Identity). */
    public static String userOf(Request r, String header) {
        var h = r.getHeader(header);
        if (h == null) return null;
        String text = h.toString();
        var m = java.util.regex.Pattern.compile("sip:([^@;>]+)@").matcher(text);
        return m.find() ? m.group(1) : null;
    }

    public static String fromUser(Request r) { return ((SipURI) ((FromHeader) r.getHeader(FromHeader.NAME)).getAddress().getURI()).getUser(); }

    public static String body(javax.sip.message.Message m) {
        return m.getRawContent() == null ? null : new String(m.getRawContent(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Stops the stack in the background (JAIN-SIP's stop lingers about a second). */
    @Override
    public void close() {
        onInvite = c -> { };
        Thread.ofVirtual().start(() -> {
            try {
                stack.stop();
            } catch (Exception ignored) {
                // closing
            }
        });
    }
}
