package io.sipstream.edge.sip.tcp;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.stack.NioTcpMessageChannel;
import gov.nist.javax.sip.stack.NioTcpMessageProcessor;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A TCP connection, as JAIN-SIP's NIO channel with the edge's guard on it (see {@link GuardedConnection}):
 * one a peer opened, or one the edge opened; also the stand-in for a refused connection of either transport,
 * which it only closes. It reads the socket itself: JAIN-SIP's read feeds the parser CRLFs when a peer
 * closes, which would complete a header block the screen has not seen whole.
 */
final class GuardedTcpChannel extends NioTcpMessageChannel {
    private final GuardedConnection connection;
    private final ByteBuffer readBuffer;

    GuardedTcpChannel(NioTcpMessageProcessor processor, Runnable wakeSelector, SocketChannel socket, ConnectionGuard guard,
                      ByteBuffer readBuffer, String source, boolean admitted) throws IOException {
        super(processor, socket);
        this.messageProcessor = processor;
        this.myClientInputStream = socket.socket().getInputStream();
        this.readBuffer = readBuffer;
        this.connection = GuardedConnection.inbound(guard, this, wakeSelector, source, admitted, processor.getSIPStack().getMaxMessageSize());
        if (!admitted) connection.askClose(true);
    }

    /** A connection the edge opens to this address (JAIN-SIP connects it now). */
    GuardedTcpChannel(NioTcpMessageProcessor processor, Runnable wakeSelector, InetAddress peer, int port, ByteBuffer readBuffer)
            throws IOException {
        super(peer, port, processor.getSIPStack(), processor);
        this.readBuffer = readBuffer;
        this.isCached = true;
        this.connection = GuardedConnection.outbound(this, wakeSelector, peer.getHostAddress(), processor.getSIPStack().getMaxMessageSize());
    }

    @Override
    public void readChannel() {
        try {
            byte[] bytes = connection.read(readBuffer);
            if (bytes == null) {
                close(true, false);
                return;
            }
            isRunning = true;
            lastActivityTimeStamp = System.currentTimeMillis();
            addBytes(bytes);
        } catch (Exception e) {
            close(true, false);
        }
    }

    @Override
    protected void addBytes(byte[] bytes) throws Exception {
        connection.arrived(bytes);
        super.addBytes(bytes);
    }

    @Override
    public void processMessage(SIPMessage message) throws Exception {
        connection.messageSeen();
        super.processMessage(message);
    }

    @Override
    protected void close(boolean removeSocket, boolean stopKeepAliveTask) {
        try {
            super.close(removeSocket, stopKeepAliveTask);
        } finally {
            connection.closed();
        }
    }
}
