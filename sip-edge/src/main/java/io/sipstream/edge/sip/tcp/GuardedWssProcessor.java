package io.sipstream.edge.sip.tcp;

import gov.nist.core.HostPort;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.NioTcpMessageChannel;
import gov.nist.javax.sip.stack.NioTcpMessageProcessor;
import gov.nist.javax.sip.stack.NioTlsWebSocketMessageProcessor;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.SocketChannel;

/** JAIN-SIP's NIO secure WebSocket listening point (WSS, with edge.tls.keystore), its connections under the {@link ConnectionGuard} ({@link WebSocketFlows}). */
final class GuardedWssProcessor extends NioTlsWebSocketMessageProcessor {
    private final WebSocketFlows flows;

    GuardedWssProcessor(InetAddress address, SIPTransactionStack stack, int port, ConnectionGuard guard) {
        super(address, stack, port);
        this.flows = new WebSocketFlows(guard, true, () -> { if (selector != null) selector.wakeup(); });
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
        return flows.accept(nioHandler, this, client);
    }

    /** JAIN-SIP's start, with the deeper accept queue of {@link ConnectionGuard#listen}. */
    @Override
    public void start() throws IOException {
        selector = java.nio.channels.Selector.open();
        channel = ConnectionGuard.listen(getIpAddress(), getPort(), selector);
        selectorThread = new Thread(createProcessorTask(), "NioSelector-" + getTransport() + '-' + getIpAddress().getHostAddress() + '/' + getPort());
        selectorThread.start();
    }
}
