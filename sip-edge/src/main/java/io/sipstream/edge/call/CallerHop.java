package io.sipstream.edge.call;

import java.util.ListIterator;
import javax.sip.address.SipURI;
import javax.sip.header.ContactHeader;
import javax.sip.header.RecordRouteHeader;
import javax.sip.message.Request;

/**
 * Where a caller's INVITE came from (its packet's source: RFC 3261 18.2.1 received, RFC 3581 rport). A phone behind
 * NAT puts an address in its Contact that nobody outside can reach; the edge then sends its own requests in the
 * caller's dialog (a BYE of a billing cut-off, session refreshes) to this source instead, keeping the Contact as the
 * request-URI, as it does for a phone's registration.
 */
record CallerHop(String ip, int port, String transport) {

    /** Null when the source is unknown. */
    static CallerHop of(String ip, int port, String transport) {
        return ip == null || ip.isEmpty() || port <= 0 ? null : new CallerHop(ip, port, transport == null ? "udp" : transport);
    }

    /**
     * Whether the INVITE's Contact names another address or port than it came from. An INVITE that was record-routed
     * came through a proxy, whose route set leads back to the caller: then the source is the proxy, not the phone.
     */
    boolean differsFrom(Request invite) {
        ListIterator<?> rr = invite.getHeaders(RecordRouteHeader.NAME);
        if (rr != null && rr.hasNext()) return false;
        if (!(invite.getHeader(ContactHeader.NAME) instanceof ContactHeader contact)
                || !(contact.getAddress().getURI() instanceof SipURI uri)) {
            return false;
        }
        int contactPort = uri.getPort() > 0 ? uri.getPort() : uri.isSecure() || "tls".equalsIgnoreCase(uri.getTransportParam()) ? 5061 : 5060;
        return !uri.getHost().equals(ip) || contactPort != port;
    }

    /** {@code host:port/transport}, as a journalled dialog names its next hop. */
    @Override
    public String toString() { return ip + ":" + port + "/" + transport; }
}
