package io.sipstream.edge.sip.tcp;

import gov.nist.javax.sip.stack.ConnectionOrientedMessageChannel;
import gov.nist.javax.sip.stack.MessageChannel;
import java.io.IOException;
import java.util.Map;

/**
 * The edge never opens a WebSocket itself: a browser cannot be connected to, it is reached over the connection its
 * REGISTER or INVITE came on (RFC 7118 section 5: the flow). JAIN-SIP would open a client WebSocket to the peer's
 * address (its ephemeral port, where nothing listens) when that connection is gone; this says why there is none.
 */
final class WebSocketFlows {
    private WebSocketFlows() {}

    static MessageChannel existing(Map<String, ConnectionOrientedMessageChannel> channels, String key, String transport) throws IOException {
        MessageChannel known = channels.get(key);
        if (known == null) throw new IOException("no " + transport + " connection from " + key + " (the client is gone; it reconnects and registers again)");
        return known;
    }
}
