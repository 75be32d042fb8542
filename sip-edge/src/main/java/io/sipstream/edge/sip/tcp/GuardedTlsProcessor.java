package io.sipstream.edge.sip.tcp;

import gov.nist.core.HostPort;
import gov.nist.javax.sip.stack.ConnectionOrientedMessageChannel;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.NioTcpMessageChannel;
import gov.nist.javax.sip.stack.NioTcpMessageProcessor;
import gov.nist.javax.sip.stack.NioTlsMessageProcessor;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * JAIN-SIP's NIO TLS listening point, asking the {@link ConnectionGuard} about every connection it accepts; a refused
 * one gets no TLS engine, only a plain channel that closes it.
 */
final class GuardedTlsProcessor extends NioTlsMessageProcessor {
    private final ConnectionGuard guard;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(16_384);
    private final Runnable wakeSelector = this::wakeSelector;

    GuardedTlsProcessor(InetAddress address, SIPTransactionStack stack, int port, ConnectionGuard guard) {
        super(address, stack, port);
        this.guard = guard;
    }

    /**
     * A connection the edge opens (to a trunk, to a phone's contact), screened like those peers open: JAIN-SIP's own
     * channel would allocate whatever body a response declares. As JAIN-SIP's own (whose hook for the channel is
     * package-private): one channel a peer address, made under the processor's lock, the socket connected blocking.
     */
    @Override
    public MessageChannel createMessageChannel(HostPort target) throws IOException {
        String key = MessageChannel.getKey(target, transport);
        MessageChannel known = messageChannels.get(key);
        return known != null ? known : outbound(key, target.getInetAddress(), target.getPort(), target.getHost().getHostname());
    }

    @Override
    public MessageChannel createMessageChannel(InetAddress host, int port) throws IOException {
        String key = MessageChannel.getKey(host, port, transport);
        MessageChannel known = messageChannels.get(key);
        return known != null ? known : outbound(key, host, port, host.getHostAddress());
    }

    /** {@code name}: what the peer's certificate must name (its host as the request's URI or Route gave it). */
    private synchronized MessageChannel outbound(String key, InetAddress host, int port, String name) throws IOException {
        ConnectionOrientedMessageChannel known = messageChannels.get(key);
        if (known != null) return known;
        ConnectionOrientedMessageChannel channel = new GuardedTlsChannel(this, wakeSelector, host, port, name, guard, readBuffer);
        messageChannels.put(key, channel);
        selector.wakeup(); // the selector thread registers the new socket for reading
        return channel;
    }

    /** Makes the selector thread run a select now (it releases the sockets of channels closed by other threads then). */
    void wakeSelector() {
        if (selector != null) selector.wakeup();
    }

    @Override
    public NioTcpMessageChannel createMessageChannel(NioTcpMessageProcessor processor, SocketChannel client) throws IOException {
        NioTcpMessageChannel known = nioHandler.getMessageChannel(client);
        if (known != null) return known;
        String source = client.socket().getInetAddress().getHostAddress();
        NioTcpMessageChannel channel = guard.admitOrReport(source, "TLS")
                ? new GuardedTlsChannel(this, wakeSelector, client, guard, readBuffer, source)
                : new GuardedTcpChannel(this, wakeSelector, client, guard, readBuffer, source, false);
        nioHandler.putMessageChannel(client, channel);
        return channel;
    }

    /**
     * JAIN-SIP's start, with a deeper accept queue: it binds with the JDK's 50, and while a flood of connections
     * keeps the selector busy, a full queue drops every new caller's SYN for a second at a time.
     */
    @Override
    public void start() throws IOException {
        selector = Selector.open();
        channel = ConnectionGuard.listen(getIpAddress(), getPort(), selector);
        selectorThread = new Thread(createProcessorTask(), "NioSelector-" + getTransport() + '-' + getIpAddress().getHostAddress() + '/' + getPort());
        selectorThread.start();
    }
}
