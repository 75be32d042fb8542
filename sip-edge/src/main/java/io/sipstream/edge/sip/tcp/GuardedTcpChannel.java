package io.sipstream.edge.sip.tcp;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.stack.NioTcpMessageChannel;
import gov.nist.javax.sip.stack.NioTcpMessageProcessor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A TCP connection a peer opened, as JAIN-SIP's NIO channel with the edge's guard on it (see
 * {@link GuardedConnection}); also the stand-in for a refused connection of either transport, which
 * it only closes. It reads the socket itself: JAIN-SIP's read feeds the parser CRLFs when a peer
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
