package io.sipstream.edge.sip.tcp;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.stack.NioTcpMessageProcessor;
import gov.nist.javax.sip.stack.NioTlsWebSocketMessageChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A secure WebSocket connection a browser opened, as {@link GuardedWsChannel}: the screen reads the decrypted bytes. */
final class GuardedWssChannel extends NioTlsWebSocketMessageChannel {
    private final GuardedConnection connection;
    private final ByteBuffer readBuffer;

    GuardedWssChannel(NioTcpMessageProcessor processor, Runnable wakeSelector, SocketChannel socket, ConnectionGuard guard,
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
            addBytes(bytes); // decrypts, and hands the plain bytes to addPlaintextBytes
        } catch (Exception e) {
            close(true, false);
        }
    }

    @Override
    public void addPlaintextBytes(byte[] bytes) throws Exception {
        connection.arrived(bytes);
        super.addPlaintextBytes(bytes);
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
