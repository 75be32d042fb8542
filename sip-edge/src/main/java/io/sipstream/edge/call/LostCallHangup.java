package io.sipstream.edge.call;

import io.sipstream.edge.sip.ClientHandler;
import io.sipstream.edge.sip.SipEndpoint;
import java.util.ArrayList;
import java.util.List;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.HeaderFactory;
import javax.sip.header.RouteHeader;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hangs up the calls a previous run of the edge left answered (it crashed, so nothing sent their BYEs): a BYE on
 * each side, built from the journalled {@link LegDialog} with the message factory (the stack that held the
 * dialogs is gone) and sent in a client transaction of its own, so UDP retransmits it. Billing has the calls'
 * ENDED from the journal already; this stops the carrier's leg, which would run on, and cost, until the far end
 * hung up. A peer that has hung up meanwhile answers 481, which is as good.
 */
public final class LostCallHangup {
    private static final Logger log = LoggerFactory.getLogger(LostCallHangup.class);
    static final String REASON = "edge restarted; the call was lost";
    /**
     * How far the BYE's CSeq jumps past the one journalled at the answer: requests the edge sent in the dialog
     * later (relayed re-INVITEs, INFOs, NOTIFYs) raised it, and a BYE below them would be refused (500).
     * A CSeq must only increase (RFC 3261 12.2.1.1), not by one.
     */
    static final long CSEQ_JUMP = 100_000;

    private final SipEndpoint sip;

    public LostCallHangup(SipEndpoint sip) { this.sip = sip; }

    /** Sends the BYEs; returns how many went out. */
    public int hangUp(List<CallDialogs> calls) {
        int sent = 0;
        for (CallDialogs call : calls) {
            for (LegDialog leg : new LegDialog[] {call.callerSide(), call.calleeSide()}) {
                if (leg == null) continue;
                try {
                    send(leg, call.callId());
                    sent++;
                } catch (Exception e) {
                    log.warn("call {}: no BYE to {} (Call-ID {}): {}", call.callId(), leg.remoteTarget(), leg.callId(), e.toString());
                }
            }
        }
        if (!calls.isEmpty()) log.warn("sent {} BYEs to the legs of {} calls the previous run left up", sent, calls.size());
        return sent;
    }

    private void send(LegDialog leg, String callId) throws Exception {
        Request bye = bye(leg);
        String hop = leg.nextHop();
        if (hop != null) { // host:port/transport (an IPv6 host has colons of its own)
            int slash = hop.lastIndexOf('/');
            int colon = hop.lastIndexOf(':', slash);
            sip.pin(leg.callId(), hop.substring(0, colon), Integer.parseInt(hop.substring(colon + 1, slash)), hop.substring(slash + 1));
        }
        ClientTransaction ct = sip.provider().getNewClientTransaction(bye);
        ct.setApplicationData(new ClientHandler() {
            @Override
            public void onResponse(ResponseEvent event) {
                int status = event.getResponse().getStatusCode();
                if (status < 200) return;
                log.info("call {}: BYE to {} answered {}", callId, leg.remoteTarget(), status);
                sip.unpin(leg.callId());
            }

            @Override
            public void onTimeout() {
                log.warn("call {}: BYE to {} unanswered", callId, leg.remoteTarget());
                sip.unpin(leg.callId());
            }
        });
        ct.sendRequest();
    }

    /** The BYE of a dialog (RFC 3261 12.2.1.1): to its remote target through its route set, loose or strict. */
    Request bye(LegDialog leg) throws Exception {
        AddressFactory a = sip.addresses();
        HeaderFactory h = sip.headers();
        List<URI> route = new ArrayList<>();
        for (String r : leg.routeSet()) route.add(a.createAddress(r).getURI());
        URI target = a.createURI(leg.remoteTarget());
        URI requestUri = target;
        if (!route.isEmpty() && route.getFirst() instanceof SipURI first && !first.hasLrParam()) {
            // a strict router: it is the Request-URI, and the remote target goes last in the Route
            requestUri = route.removeFirst();
            route.add(target);
        }
        // the hop is the first route, else the target: speak the leg's transport there, as its requests did
        URI hop = route.isEmpty() ? requestUri : route.getFirst();
        if (hop instanceof SipURI s && s.getTransportParam() == null && !leg.transport().equalsIgnoreCase("udp")) {
            s.setTransportParam(leg.transport());
        }
        Request bye = sip.messages().createRequest(requestUri, Request.BYE,
                h.createCallIdHeader(leg.callId()),
                h.createCSeqHeader(leg.localCSeq() + CSEQ_JUMP, Request.BYE),
                h.createFromHeader(a.createAddress(leg.localParty()), leg.localTag()),
                h.createToHeader(a.createAddress(leg.remoteParty()), leg.remoteTag()),
                List.of(sip.via(leg.transport())),
                h.createMaxForwardsHeader(70));
        for (URI r : route) {
            RouteHeader header = h.createRouteHeader(a.createAddress(r));
            bye.addHeader(header);
        }
        bye.addHeader(h.createReasonHeader("SIP", 503, REASON));
        return bye;
    }
}
