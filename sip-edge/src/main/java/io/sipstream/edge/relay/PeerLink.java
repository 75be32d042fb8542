package io.sipstream.edge.relay;

import io.sipstream.edge.registrar.Binding;
import io.sipstream.edge.sip.SipEndpoint;
import java.text.ParseException;
import java.util.Locale;
import javax.sip.SipException;
import javax.sip.address.SipURI;
import javax.sip.header.CallIdHeader;
import javax.sip.message.Request;

/**
 * The calling side of relaying between edges: which bindings this edge rings itself (those whose phone's flow is
 * here), which it reaches through the edge holding them, and how an INVITE asks that edge for it: a loose Route to
 * the holder's {@code edgeAddress} and a {@link PeerSignature}. Without {@code edge.peer.secret} every binding held
 * elsewhere is out of reach, and the edge rings only its own, as before edges named theirs.
 */
public final class PeerLink {
    private final int edgeId;
    private final PeerSignature signature;

    /** @param signature null when edges do not relay to each other */
    public PeerLink(int edgeId, PeerSignature signature) {
        this.edgeId = edgeId;
        this.signature = signature;
    }

    public boolean holdsHere(Binding b) { return b.heldBy(edgeId); }

    /** Whether this edge can ring the binding: its own, or another edge's when relaying is on. */
    public boolean reaches(Binding b) { return holdsHere(b) || signature != null && b.edgeAddress() != null; }

    /** The transport to the edge holding this binding (its address's transport parameter; UDP by default). */
    public static String transportTo(Binding b) {
        int at = b.edgeAddress().toLowerCase(Locale.ROOT).indexOf(";transport=");
        if (at < 0) return "udp";
        String rest = b.edgeAddress().substring(at + ";transport=".length());
        int end = rest.indexOf(';');
        return (end < 0 ? rest : rest.substring(0, end)).toLowerCase(Locale.ROOT);
    }

    /** Sends this INVITE, to a binding another edge holds, through that edge, signed for the binding's account. */
    public void routeThroughHolder(Request invite, Binding b, String accountId, SipEndpoint sip) throws ParseException, SipException {
        if (signature == null || b.edgeAddress() == null) throw new IllegalStateException("binding " + b.contact() + " is not reachable");
        SipURI holder = (SipURI) sip.addresses().createURI(b.edgeAddress());
        holder.setLrParam();
        invite.addFirst(sip.headers().createRouteHeader(sip.addresses().createAddress(holder)));
        String callId = ((CallIdHeader) invite.getHeader(CallIdHeader.NAME)).getCallId();
        invite.setHeader(sip.headers().createHeader(PeerSignature.HEADER,
                signature.sign(callId, invite.getRequestURI().toString(), accountId, System.currentTimeMillis() / 1000)));
    }
}
