package io.sipstream.edge.sip.tcp;

import gov.nist.core.HostPort;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.NioTcpMessageChannel;
import gov.nist.javax.sip.stack.NioTcpMessageProcessor;
import gov.nist.javax.sip.stack.NioTlsWebSocketMessageProcessor;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** JAIN-SIP's NIO secure WebSocket listening point (WSS, with the TLS keystore of the stack), asking the {@link ConnectionGuard} about every connection it accepts. */
final class GuardedWssProcessor extends NioTlsWebSocketMessageProcessor {
    private final ConnectionGuard guard;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(16_384); // the selector thread's, for every connection
    private final Runnable wakeSelector = () -> { if (selector != null) selector.wakeup(); };

    GuardedWssProcessor(InetAddress address, SIPTransactionStack stack, int port, ConnectionGuard guard) {
        super(address, stack, port);
        this.guard = guard;
    }

    @Override
    public MessageChannel createMessageChannel(HostPort target) throws IOException {
        return WebSocketFlows.existing(messageChannels, MessageChannel.getKey(target, transport), transport);
    }

    @Override
    public MessageChannel createMessageChannel(InetAddress host, int port) throws IOException {
        return WebSocketFlows.existing(messageChannels, MessageChannel.getKey(host, port, transport), transport);
    }

    @Override
    public NioTcpMessageChannel createMessageChannel(NioTcpMessageProcessor processor, SocketChannel client) throws IOException {
        NioTcpMessageChannel known = nioHandler.getMessageChannel(client);
        if (known != null) return known;
        String source = client.socket().getInetAddress().getHostAddress();
        NioTcpMessageChannel channel = guard.admitOrReport(source, "WSS")
                ? new GuardedWssChannel(this, wakeSelector, client, guard, readBuffer, source)
                : new GuardedTcpChannel(this, wakeSelector, client, guard, readBuffer, source, false);
        nioHandler.putMessageChannel(client, channel);
        return channel;
    }

    /** JAIN-SIP's start, with the deeper accept queue of {@link GuardedTcpProcessor#start}. */
    @Override
    public void start() throws IOException {
        selector = java.nio.channels.Selector.open();
        channel = ConnectionGuard.listen(getIpAddress(), getPort(), selector);
        selectorThread = new Thread(createProcessorTask(), "NioSelector-" + getTransport() + '-' + getIpAddress().getHostAddress() + '/' + getPort());
        selectorThread.start();
    }
}
