package io.sipstream.edge.sip.tcp;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.stack.NioTcpMessageProcessor;
import gov.nist.javax.sip.stack.NioWebSocketMessageChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A WebSocket connection a browser (or any RFC 7118 client) opened, as JAIN-SIP's channel with the edge's guard on it
 * (see {@link GuardedConnection}): its raw bytes pass the {@link WebSocketScreen} before JAIN-SIP's codec reads them.
 */
final class GuardedWsChannel extends NioWebSocketMessageChannel {
    private final GuardedConnection connection;
    private final ByteBuffer readBuffer;

    GuardedWsChannel(NioTcpMessageProcessor processor, Runnable wakeSelector, SocketChannel socket, ConnectionGuard guard,
                     ByteBuffer readBuffer, String source) throws IOException {
        super(processor.getSIPStack(), processor, socket);
        this.readBuffer = readBuffer;
        this.connection = GuardedConnection.webSocket(guard, this, wakeSelector, source, true, processor.getSIPStack().getMaxMessageSize());
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
            // screened here, not in addBytes: JAIN-SIP's calls itself again with what followed the upgrade request
            connection.arrived(bytes);
            addBytes(bytes);
        } catch (Exception e) {
            close(true, false);
        }
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
            GuardedConnection c = connection; // null: closed by JAIN-SIP's constructor (a failed TLS set-up)
            if (c != null) c.closed();
        }
    }
}
