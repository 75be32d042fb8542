package io.sipstream.edge.relay;

import gov.nist.javax.sip.Utils;
import gov.nist.javax.sip.stack.HopImpl;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sipstream.edge.registrar.Binding;
import io.sipstream.edge.registrar.Bindings;
import io.sipstream.edge.sip.LogSampler;
import io.sipstream.edge.sip.PassThrough;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import io.sipstream.edge.sip.SipSource;
import io.sipstream.edge.sip.StoreOutage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.address.Address;
import javax.sip.address.Hop;
import javax.sip.address.SipURI;
import javax.sip.header.CallIdHeader;
import javax.sip.header.CSeqHeader;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The holding side of relaying between edges (RFC 3327's Path, for a B2BUA's edges): another edge sends the INVITE
 * for a phone whose NAT flow is here, signed ({@link PeerSignature}), and this edge forwards it down the flow the
 * phone registered through, Record-Routes itself, and from then on forwards the dialog's requests between the two
 * ends and their responses back. It is a proxy only for what it can verify: a new INVITE with a valid, fresh
 * signature for a binding held here, and afterwards only the Call-IDs it relayed, only between their two ends.
 * Anything else carrying the signature header is refused 403 and counted; requests without it are the edge's as
 * ever. Transaction-stateless (RFC 3261 16.11): retransmissions are the ends' business.
 */
public final class PathRelay implements PassThrough {
    private static final Logger log = LoggerFactory.getLogger(PathRelay.class);

    private final SipEndpoint sip;
    private final SipResponder responder;
    private final Bindings bindings;
    private final Executor io;
    private final PeerSignature signature;
    private final int edgeId;
    private final SipURI peerAddress;
    private final long maxAgeMillis;
    private final Map<String, RelayedCall> calls = new ConcurrentHashMap<>();
    /**
     * New INVITEs whose binding is being looked up, by Call-ID: their retransmissions wait for the first, and a CANCEL
     * that overtakes the look-up is answered here and turns the INVITE's forward into its 487 (true: cancelled).
     */
    private final Map<String, Boolean> looking = new ConcurrentHashMap<>();
    private final Counter relayed;
    private final Counter refused;
    /** Refusals are logged one a second at most: anyone can send them. */
    private final LogSampler refusalsLogged = new LogSampler();

    /**
     * @param signature    null when this edge relays nothing (no {@code edge.peer.secret}): signed requests are refused
     * @param peerAddress  this edge's {@code edge.peer.address}, or null
     * @param maxAge       how long a relayed dialog may last at most ({@code edge.max.call.duration} and a margin)
     */
    public PathRelay(SipEndpoint sip, Bindings bindings, Executor io, PeerSignature signature, int edgeId, String peerAddress,
                     Duration maxAge, MeterRegistry meters) throws java.text.ParseException {
        this.sip = sip;
        this.responder = new SipResponder(sip);
        this.bindings = bindings;
        this.io = io;
        this.signature = signature;
        this.edgeId = edgeId;
        this.peerAddress = peerAddress == null ? null : (SipURI) sip.addresses().createURI(peerAddress);
        this.maxAgeMillis = maxAge.toMillis();
        this.relayed = Counter.builder("sipstream.edge.relay.requests").tag("outcome", "relayed")
                .description("requests relayed between another edge and a phone held here, or refused").register(meters);
        this.refused = Counter.builder("sipstream.edge.relay.requests").tag("outcome", "refused")
                .description("requests relayed between another edge and a phone held here, or refused").register(meters);
        Gauge.builder("sipstream.edge.relay.dialogs", calls, Map::size)
                .description("dialogs relayed between another edge and a phone held here").register(meters);
    }

    /** Dialogs relayed now (for tests and diagnostics). */
    public int dialogs() { return calls.size(); }

    /** Lets go of relayed dialogs over for their linger, or older than a call may last. */
    public void purge(long now) { calls.values().removeIf(c -> c.over(now, maxAgeMillis)); }

    @Override
    public boolean onRequest(RequestEvent event, SipSource source) {
        Request request = event.getRequest();
        String callId = callIdOf(request);
        // before the relayed calls: a look-up ends by adding its call and dropping its entry in one step (start)
        if (callId != null && Request.CANCEL.equals(request.getMethod()) && looking.computeIfPresent(callId, (k, v) -> true) != null) {
            answer(request, Response.OK, null); // the INVITE is answered 487 once its look-up is over
            return true;
        }
        RelayedCall call = callId == null ? null : calls.get(callId);
        if (call != null) {
            boolean fromPeer = call.isPeer(source.ip(), source.port());
            if (!fromPeer && !call.isPhone(source.ip(), source.port())) {
                refuse(request, source, "not an end of the relayed dialog " + callId);
            } else {
                forward(request, call, fromPeer);
            }
            return true;
        }
        String signed = headerValue(request);
        if (signed == null) return false; // not a relay request: the edge's own
        if (signature == null) {
            refuse(request, source, "this edge relays for no other edge (edge.peer.secret is not set)");
        } else if (!Request.INVITE.equals(request.getMethod()) || ((ToHeader) request.getHeader(ToHeader.NAME)).getTag() != null) {
            refuse(request, source, "only a new INVITE is relayed, not " + request.getMethod() + " of a dialog it did not relay");
        } else {
            String target = request.getRequestURI().toString();
            PeerSignature.Verified ok;
            try {
                ok = signature.verify(signed, callId, target, System.currentTimeMillis() / 1000);
            } catch (PeerSignature.Refused e) {
                refuse(request, source, e.getMessage());
                return true;
            }
            if (looking.putIfAbsent(callId, false) != null) return true; // a retransmission while its binding is looked up
            try {
                io.execute(() -> start(request, source, ok.accountId(), target));
            } catch (RejectedExecutionException e) {
                looking.remove(callId);
                answer(request, Response.SERVICE_UNAVAILABLE, StoreOutage.REASON);
            }
        }
        return true;
    }

    /** A verified INVITE: relayed when the phone is bound here (off the SIP thread: Redis). */
    private void start(Request invite, SipSource peer, String accountId, String target) {
        String callId = callIdOf(invite);
        try {
            Binding held = null;
            for (Binding b : bindings.current(accountId, System.currentTimeMillis())) {
                if (b.contact().equals(target) && b.heldBy(edgeId) && b.sourceIp() != null && !b.sourceIp().isEmpty()) held = b;
            }
            if (held == null) {
                log.info("relay of {} refused: no binding of {} at edge {} for {}", callId, accountId, edgeId, target);
                answer(invite, Response.TEMPORARILY_UNAVAILABLE, "not registered at this edge");
                return;
            }
            RelayedCall call = new RelayedCall(callId, new HopImpl(peer.ip(), peer.port(), peer.transport()),
                    new HopImpl(held.sourceIp(), held.sourcePort(), held.transport() == null ? "udp" : held.transport()),
                    System.currentTimeMillis());
            boolean[] cancelled = {false};
            looking.computeIfPresent(callId, (k, wasCancelled) -> {
                cancelled[0] = wasCancelled;
                if (!wasCancelled) calls.put(callId, call);
                return null;
            });
            if (cancelled[0]) answer(invite, Response.REQUEST_TERMINATED, null);
            else forward(invite, call, true);
        } catch (RuntimeException e) {
            log.warn("relay of {} failed: {}", callId, e.toString());
            answer(invite, Response.SERVICE_UNAVAILABLE, StoreOutage.is(e) ? StoreOutage.REASON : "relay failed");
        } finally {
            looking.remove(callId);
        }
    }

    /** Forwards a request of a relayed dialog to its other end. */
    private void forward(Request request, RelayedCall call, boolean towardsPhone) {
        boolean ack = Request.ACK.equals(request.getMethod());
        try {
            Request out = (Request) request.clone();
            MaxForwardsHeader mf = (MaxForwardsHeader) out.getHeader(MaxForwardsHeader.NAME);
            if (mf != null) {
                if (mf.getMaxForwards() <= 0) {
                    if (!ack) answer(request, Response.TOO_MANY_HOPS, null);
                    return;
                }
                mf.decrementMaxForwards();
            }
            while (out.getHeader(RouteHeader.NAME) instanceof RouteHeader top && isOwn(top.getAddress())) out.removeFirst(RouteHeader.NAME);
            out.removeHeader(PeerSignature.HEADER); // the phone has no business with it
            Hop hop = towardsPhone ? call.phone : call.peer;
            if (Request.INVITE.equals(out.getMethod()) && ((ToHeader) out.getHeader(ToHeader.NAME)).getTag() == null) {
                recordRoute(out, call);
            }
            ViaHeader senderVia = (ViaHeader) request.getHeader(ViaHeader.NAME);
            ViaHeader via = sip.via(hop.getTransport());
            via.setBranch(call.branchFor(senderVia.getBranch(), towardsPhone, () -> Utils.getInstance().generateBranchId()));
            out.addFirst(via);
            sip.sendStateless(out, hop);
            relayed.increment();
            if (Request.CANCEL.equals(out.getMethod())) call.ended(System.currentTimeMillis());
        } catch (Exception e) {
            log.warn("{} of relayed call {} not forwarded: {}", request.getMethod(), call.callId, e.toString());
            if (!ack) answer(request, Response.SERVICE_UNAVAILABLE, "relay failed");
        }
    }

    /**
     * Stays on the dialog's route: one Record-Route the phone reaches this edge at (its flow's transport) and, when it
     * differs, one the other edge does (RFC 5658's double Record-Route). The phone's is on top: the nearer to it.
     */
    private void recordRoute(Request out, RelayedCall call) throws Exception {
        SipURI towardsPeer = peerAddress == null ? sip.uri(null, call.peer.getTransport()) : (SipURI) peerAddress.clone();
        towardsPeer.setLrParam();
        SipURI towardsPhone = sip.uri(null, call.phone.getTransport());
        towardsPhone.setLrParam();
        if (!towardsPeer.equals(towardsPhone)) out.addFirst(sip.headers().createRecordRouteHeader(sip.addresses().createAddress(towardsPeer)));
        out.addFirst(sip.headers().createRecordRouteHeader(sip.addresses().createAddress(towardsPhone)));
    }

    /** A Route naming this edge: its advertised or peer address, on one of its ports. */
    private boolean isOwn(Address address) {
        if (!(address.getURI() instanceof SipURI uri)) return false;
        int port = uri.getPort() > 0 ? uri.getPort() : 5060;
        boolean advertised = uri.getHost().equalsIgnoreCase(sip.advertisedHost()) && sip.ports().containsValue(port);
        boolean peer = peerAddress != null && uri.getHost().equalsIgnoreCase(peerAddress.getHost()) && port == peerAddress.getPort();
        return advertised || peer;
    }

    @Override
    public boolean onResponse(ResponseEvent event) {
        Response response = event.getResponse();
        String callId = callIdOf(response);
        RelayedCall call = callId == null ? null : calls.get(callId);
        ViaHeader top = (ViaHeader) response.getHeader(ViaHeader.NAME);
        RelayedCall.Forwarded request = call == null || top == null ? null : call.forwardedAs(top.getBranch());
        if (request == null) return false;
        try {
            Response out = (Response) response.clone();
            out.removeFirst(ViaHeader.NAME);
            sip.sendStateless(out, request.towardsPhone() ? call.peer : call.phone);
            relayed.increment();
            String method = ((CSeqHeader) response.getHeader(CSeqHeader.NAME)).getMethod();
            int status = response.getStatusCode();
            if (Request.BYE.equals(method) && status >= 200 || Request.INVITE.equals(method) && status >= 300) {
                call.ended(System.currentTimeMillis());
            }
        } catch (Exception e) {
            log.warn("{} of relayed call {} not forwarded: {}", response.getStatusCode(), callId, e.toString());
        }
        return true;
    }

    private void refuse(Request request, SipSource source, String reason) {
        refused.increment();
        long since = refusalsLogged.next();
        if (since > 0) {
            log.warn("relay refused {} from {}:{} ({} refused since the last one logged): {}", request.getMethod(), source.ip(),
                    source.port(), since, reason);
        }
        if (!Request.ACK.equals(request.getMethod())) answer(request, Response.FORBIDDEN, reason);
    }

    private void answer(Request request, int status, String reason) {
        Response r = responder.response(status, request);
        if (reason != null) responder.addReason(r, status, reason);
        responder.sendStateless(r);
    }

    private static String headerValue(Request request) {
        var h = request.getHeader(PeerSignature.HEADER);
        return h instanceof javax.sip.header.ExtensionHeader e ? e.getValue() : h == null ? null : h.toString();
    }

    private static String callIdOf(javax.sip.message.Message m) {
        CallIdHeader h = (CallIdHeader) m.getHeader(CallIdHeader.NAME);
        return h == null ? null : h.getCallId();
    }
}
