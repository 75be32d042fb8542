package io.sipstream.edge.sip;

import gov.nist.javax.sip.stack.DefaultRouter;
import gov.nist.javax.sip.stack.HopImpl;
import java.util.ListIterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.SipException;
import javax.sip.SipStack;
import javax.sip.address.Hop;
import javax.sip.address.Router;
import javax.sip.header.CallIdHeader;
import javax.sip.message.Request;

/**
 * The stack's router (javax.sip.ROUTER_PATH): RFC 3261 routing as JAIN-SIP's default router does
 * it, except for calls pinned to a hop. A phone behind NAT registers a Contact it cannot be
 * reached at; the edge keeps that Contact as the request-URI but sends the dialog's requests
 * (INVITE, ACK, BYE, re-INVITE ...) to the address and port its REGISTER came from.
 */
public final class EdgeRouter implements Router {
    private final DefaultRouter standard;
    private final Map<String, Hop> pinned = new ConcurrentHashMap<>();

    public EdgeRouter(SipStack stack, String outboundProxy) { this.standard = new DefaultRouter(stack, outboundProxy); }

    /** Sends every request of this Call-ID to host:port over the transport, whatever its URI says. */
    void pin(String callId, String host, int port, String transport) { pinned.put(callId, new HopImpl(host, port, transport)); }

    void unpin(String callId) { pinned.remove(callId); }

    int pinnedCount() { return pinned.size(); }

    @Override
    public Hop getNextHop(Request request) throws SipException {
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        Hop hop = callId == null ? null : pinned.get(callId.getCallId());
        return hop != null ? hop : standard.getNextHop(request);
    }

    @Override
    public Hop getOutboundProxy() { return standard.getOutboundProxy(); }

    @Override
    @SuppressWarnings({"deprecation", "rawtypes"})
    public ListIterator getNextHops(Request request) { return standard.getNextHops(request); }
}
