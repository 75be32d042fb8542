package io.sipstream.edge.call;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.sip.Dialog;
import javax.sip.header.RouteHeader;

/**
 * One side of an answered call as the edge needs it to hang that side up without the dialog: what a BYE is
 * built from (RFC 3261 12.2.1.1). The JAIN-SIP dialog is gone after a crash; this is journalled instead.
 *
 * @param localParty  the edge's From in this dialog (name-addr)
 * @param remoteParty the peer's To (name-addr)
 * @param remoteTarget the peer's Contact URI
 * @param routeSet    the Route headers' addresses in the order they are sent
 * @param localCSeq   the CSeq of the edge's last request in the dialog when it was journalled
 * @param transport   what the leg speaks (udp, tcp, tls)
 * @param nextHop     {@code host:port/transport} every request of the dialog goes to whatever its URIs say (a phone
 *                    behind NAT, reached where its REGISTER came from); null: routed by the URIs
 */
public record LegDialog(String callId, String localTag, String remoteTag, String localParty, String remoteParty,
                        String remoteTarget, List<String> routeSet, long localCSeq, String transport, String nextHop) {

    public LegDialog {
        routeSet = List.copyOf(routeSet);
    }

    /** The state of an established dialog; null when it is not one (no tags or target yet). */
    static LegDialog of(Dialog d, String transport, String nextHop) {
        if (d == null || d.getLocalTag() == null || d.getRemoteTag() == null || d.getRemoteTarget() == null) return null;
        List<String> routes = new ArrayList<>();
        for (Iterator<?> it = d.getRouteSet(); it != null && it.hasNext(); ) routes.add(((RouteHeader) it.next()).getAddress().toString());
        return new LegDialog(d.getCallId().getCallId(), d.getLocalTag(), d.getRemoteTag(), d.getLocalParty().toString(),
                d.getRemoteParty().toString(), d.getRemoteTarget().getURI().toString(), routes, Math.max(0, d.getLocalSeqNumber()),
                transport, nextHop);
    }
}
