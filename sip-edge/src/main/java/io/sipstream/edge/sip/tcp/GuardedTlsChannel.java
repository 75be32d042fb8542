package io.sipstream.edge.sip.tcp;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.stack.NioTcpMessageProcessor;
import gov.nist.javax.sip.stack.NioTlsMessageChannel;
import gov.nist.javax.sip.stack.VerifiedClientEngine;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS connection, one a peer opened or one the edge opened, as {@link GuardedTcpChannel} is for TCP: the screen
 * reads the decrypted bytes.
 */
final class GuardedTlsChannel extends NioTlsMessageChannel {
    private static final Logger log = LoggerFactory.getLogger(GuardedTlsChannel.class);
    // volatile, not final: see GuardedTcpChannel
    private volatile GuardedConnection connection;
    private final ByteBuffer readBuffer;
    /** The name the peer's certificate must carry, for a connection the edge opens; null for one a peer opened. */
    private final String verifiedHost;

    GuardedTlsChannel(NioTcpMessageProcessor processor, Runnable wakeSelector, SocketChannel socket, ConnectionGuard guard,
                      ByteBuffer readBuffer, String source) throws IOException {
        super(processor, socket);
        this.readBuffer = readBuffer;
        this.verifiedHost = null;
        this.connection = GuardedConnection.inbound(guard, this, wakeSelector, source, true, processor.getSIPStack().getMaxMessageSize());
    }

    /**
     * A connection the edge opens to this peer (JAIN-SIP connects it, blocking, in this constructor; the handshake
     * follows), whose certificate must name {@code host}: the trunk's host as its URI gives it, a domain name or an address.
     */
    GuardedTlsChannel(NioTcpMessageProcessor processor, Runnable wakeSelector, InetAddress peer, int port, String host,
                      ConnectionGuard guard, ByteBuffer readBuffer) throws IOException {
        super(peer, port, processor.getSIPStack(), processor);
        this.readBuffer = readBuffer;
        this.verifiedHost = host;
        VerifiedClientEngine.install(this, host, port);
        this.isCached = true; // the processor keeps it for the peer's address, as JAIN-SIP's own
        this.connection = GuardedConnection.outbound(guard, this, wakeSelector, peer.getHostAddress() + ":" + port,
                processor.getSIPStack().getMaxMessageSize());
    }

    @Override
    public void readChannel() {
        GuardedConnection c = connection;
        if (c == null) return; // still being constructed: the socket stays readable, the selector comes back
        try {
            byte[] bytes = c.read(readBuffer);
            if (bytes == null) {
                close(true, false);
                return;
            }
            isRunning = true;
            lastActivityTimeStamp = System.currentTimeMillis();
            addBytes(bytes); // decrypts, and hands the plain bytes to addPlaintextBytes
        } catch (Exception e) {
            if (verifiedHost != null && e instanceof SSLException) {
                // the operator's to know (an unknown CA, a certificate for another name): the trunk is unreachable until fixed
                log.warn("TLS to {} ({}:{}) failed, nothing sent: {}", verifiedHost, peerAddress.getHostAddress(), peerPort,
                        e.getMessage());
            }
            close(true, false);
        }
    }

    /** JAIN-SIP makes a new engine when it reconnects the socket: the edge's own connections keep verifying the peer. */
    @Override
    public void init(boolean clientMode) throws Exception {
        super.init(clientMode);
        if (clientMode && verifiedHost != null) VerifiedClientEngine.install(this, verifiedHost, peerPort);
    }

    @Override
    public void addPlaintextBytes(byte[] bytes) throws Exception {
        connection.arrived(bytes);
        super.addPlaintextBytes(bytes);
    }

    @Override
    public void processMessage(SIPMessage message) throws Exception {
        GuardedConnection c = connection;
        if (c != null) c.messageSeen();
        super.processMessage(message);
    }

    /**
     * A message to this channel's own peer goes the way that first files the socket under the peer's address: JAIN-SIP
     * (1.3.0-91) forgets the socket of a connection it has just opened (its table entry is dropped on the way out of the
     * connect), and this path, a transaction's, would open a second connection and close the first. A response arriving
     * on the second before the channel is mapped to it was taken for a dead socket's and its key cancelled: the call was lost.
     */
    @Override
    public void sendMessage(byte[] message, InetAddress receiverAddress, int receiverPort, boolean retry) throws IOException {
        if (receiverAddress != null && receiverAddress.equals(peerAddress) && receiverPort == peerPort) {
            sendMessage(message, retry);
        } else {
            super.sendMessage(message, receiverAddress, receiverPort, retry);
        }
    }

    @Override
    protected void close(boolean removeSocket, boolean stopKeepAliveTask) {
        try {
            super.close(removeSocket, stopKeepAliveTask);
        } finally {
            GuardedConnection c = connection;
            if (c != null) c.closed();
        }
    }
}
