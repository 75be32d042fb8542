package io.sipstream.edge.sip;

import gov.nist.javax.sip.RequestEventExt;
import java.util.Locale;
import javax.sip.RequestEvent;
import javax.sip.header.ViaHeader;

/** Where a request came from: the packet's source address and the transport it came over. */
public record SipSource(String ip, int port, String transport) {

    public static SipSource of(RequestEvent event) {
        String ip = "";
        int port = 0;
        if (event instanceof RequestEventExt ext) {
            ip = ext.getRemoteIpAddress() == null ? "" : ext.getRemoteIpAddress();
            port = ext.getRemotePort();
        }
        ViaHeader via = (ViaHeader) event.getRequest().getHeader(ViaHeader.NAME);
        String transport = via == null || via.getTransport() == null ? "udp" : via.getTransport().toLowerCase(Locale.ROOT);
        return new SipSource(ip, port, transport);
    }
}
