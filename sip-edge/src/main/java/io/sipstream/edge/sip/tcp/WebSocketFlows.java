package io.sipstream.edge.sip.tcp;

import gov.nist.javax.sip.stack.ConnectionOrientedMessageChannel;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.NIOHandler;
import gov.nist.javax.sip.stack.NioTcpMessageChannel;
import gov.nist.javax.sip.stack.NioTcpMessageProcessor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Map;

/**
 * What the WS and WSS listening points ({@link GuardedWsProcessor}, {@link GuardedWssProcessor}: JAIN-SIP's two
 * processor classes, so two subclasses) do alike: every connection a browser opens goes through the
 * {@link ConnectionGuard}, and the edge never opens a WebSocket itself. A browser cannot be connected to; it is reached
 * over the connection its REGISTER or INVITE came on (RFC 7118 section 5: the flow). JAIN-SIP would open a client
 * WebSocket to the peer's address (its ephemeral port, where nothing listens) when that connection is gone; this says
 * why there is none instead.
 */
final class WebSocketFlows {
    private final ConnectionGuard guard;
    private final boolean secure;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(16_384); // the selector thread's, for every connection
    private final Runnable wakeSelector;

    WebSocketFlows(ConnectionGuard guard, boolean secure, Runnable wakeSelector) {
        this.guard = guard;
        this.secure = secure;
        this.wakeSelector = wakeSelector;
    }

    /** The connection from this peer (key: JAIN-SIP's, its address, port and transport), or why there is none. */
    static MessageChannel existing(Map<String, ConnectionOrientedMessageChannel> channels, String key, String transport) throws IOException {
        MessageChannel known = channels.get(key);
        if (known == null) throw new IOException("no " + transport + " connection from " + key + " (the client is gone; it reconnects and registers again)");
        return known;
    }

    /** The channel of a connection the selector accepted: admitted by the guard, or a plain one that closes it. */
    NioTcpMessageChannel accept(NIOHandler handler, NioTcpMessageProcessor processor, SocketChannel client) throws IOException {
        NioTcpMessageChannel known = handler.getMessageChannel(client);
        if (known != null) return known;
        String source = client.socket().getInetAddress().getHostAddress();
        NioTcpMessageChannel channel;
        if (!guard.admitOrReport(source, secure ? "WSS" : "WS")) {
            channel = new GuardedTcpChannel(processor, wakeSelector, client, guard, readBuffer, source, false);
        } else if (secure) {
            channel = new GuardedWssChannel(processor, wakeSelector, client, guard, readBuffer, source);
        } else {
            channel = new GuardedWsChannel(processor, wakeSelector, client, guard, readBuffer, source);
        }
        handler.putMessageChannel(client, channel);
        return channel;
    }
}
