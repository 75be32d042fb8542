package io.sipstream.edge.sip.tcp;

import gov.nist.javax.sip.stack.NioTcpMessageChannel;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the edge keeps about one connection: the screen its bytes pass before JAIN-SIP parses them,
 * and when a message is due on it ({@link ConnectionGuard} sweeps the deadlines). A connection a
 * peer opened also has its source's place in the guard's counts, and is due a first message from
 * its connect; one the edge opened (to a trunk, to a phone's contact) is counted nowhere and is
 * due a message only once a message's first byte has come. The channel ({@link GuardedTcpChannel},
 * {@link GuardedTlsChannel}) calls in as bytes and messages arrive and when it closes.
 *
 * <p>A connection the edge ends is asked to close ({@link #askClose}): its input is shut down, so
 * the selector thread, the one that reads and closes it otherwise too, finds it readable and closes
 * it; only one that stays open regardless is closed by the sweeper itself.
 */
final class GuardedConnection {
    private final ConnectionGuard guard;
    private final NioTcpMessageChannel channel;
    private final Runnable wakeSelector;
    private final String source;
    private final boolean admitted;
    private final boolean outbound;
    private final ContentLengthScreen screen;  // plain SIP; null on a WebSocket
    private final WebSocketScreen frames;      // a WebSocket; null on plain SIP
    private volatile boolean firstMessageDue;
    private final long messageTimeoutNanos;
    private volatile long deadlineNanos;   // when a message is due: the first from the connect, a later one from its first byte; 0: none
    private volatile long closeAskedNanos; // 0: not asked
    private final AtomicBoolean released = new AtomicBoolean();

    private GuardedConnection(ConnectionGuard guard, NioTcpMessageChannel channel, Runnable wakeSelector, String source, boolean admitted,
                              boolean outbound, int maxMessageSize, boolean webSocket) {
        this.guard = guard;
        this.channel = channel;
        this.wakeSelector = wakeSelector;
        this.source = source;
        this.admitted = admitted;
        this.outbound = outbound;
        this.screen = webSocket ? null : new ContentLengthScreen(maxMessageSize);
        this.frames = webSocket ? new WebSocketScreen(maxMessageSize) : null;
        this.firstMessageDue = !outbound;
        this.messageTimeoutNanos = guard.limits().messageTimeout().toNanos();
        // the edge speaks first on a connection it opened: nothing is due from the peer until it starts a message
        this.deadlineNanos = outbound ? 0 : System.nanoTime() + messageTimeoutNanos;
        guard.opened(this);
    }

    /** A connection a peer opened, admitted or (to be closed at once) not. */
    static GuardedConnection inbound(ConnectionGuard guard, NioTcpMessageChannel channel, Runnable wakeSelector, String source,
                                     boolean admitted, int maxMessageSize) {
        return new GuardedConnection(guard, channel, wakeSelector, source, admitted, false, maxMessageSize, false);
    }

    /** A WebSocket connection a peer opened (WS, or WSS once decrypted): as {@link #inbound}, its frames screened. */
    static GuardedConnection webSocket(ConnectionGuard guard, NioTcpMessageChannel channel, Runnable wakeSelector, String source,
                                       boolean admitted, int maxMessageSize) {
        return new GuardedConnection(guard, channel, wakeSelector, source, admitted, false, maxMessageSize, true);
    }

    /** A connection the edge opened to this peer: screened and due its messages, but counted against no limit. */
    static GuardedConnection outbound(ConnectionGuard guard, NioTcpMessageChannel channel, Runnable wakeSelector, String peer,
                                      int maxMessageSize) {
        return new GuardedConnection(guard, channel, wakeSelector, peer, false, true, maxMessageSize, false);
    }

    String source() { return source; }

    boolean admitted() { return admitted; }

    /** Opened by the edge (to a trunk, a phone's contact), not by the peer. */
    boolean outbound() { return outbound; }

    NioTcpMessageChannel channel() { return channel; }

    boolean closing() { return closeAskedNanos != 0; }

    long closeAskedNanos() { return closeAskedNanos; }

    long deadlineNanos() { return deadlineNanos; }

    /** Reads what the socket holds into the processor's buffer: the bytes, or null when the connection is done. */
    byte[] read(ByteBuffer buffer) throws IOException {
        if (closing()) return null;
        SocketChannel socket = channel.getSocketChannel();
        buffer.clear();
        int n = socket.read(buffer);
        if (n <= 0) return null; // -1: the peer closed; 0 on a readable socket: stuck (JAIN-SIP closes those too)
        buffer.flip();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /**
     * Plain bytes about to reach the parser. Throws (the channel then closes) when they declare a body over the
     * largest message; starts the clock of a message when they are more than the CRLFs of a keep-alive.
     */
    void arrived(byte[] plain) {
        if (frames != null ? !frames.accept(plain) : !screen.accept(plain)) {
            guard.tooLarge(this);
            askClose(true); // and throw: nothing more reaches the parser, wherever the caller catches it
            throw new TooLarge();
        }
        if (frames != null) {
            // a WebSocket's keep-alives (pings, CRLF frames) are whole frames that carry no message: a message is due
            // only while a frame is unfinished (and the first one from the connect, upgrade included)
            if (!firstMessageDue) deadlineNanos = !frames.midFrame() ? 0 : deadlineNanos != 0 ? deadlineNanos : System.nanoTime() + messageTimeoutNanos;
        } else if (deadlineNanos == 0 && !onlyLineBreaks(plain)) {
            deadlineNanos = System.nanoTime() + messageTimeoutNanos;
        }
    }

    /** A complete message was parsed: none is due until more bytes come. */
    void messageSeen() {
        firstMessageDue = false;
        deadlineNanos = 0;
    }

    /**
     * Ends the connection from any thread: its input is shut down, which wakes the selector thread to close it.
     * {@code reset}: with an RST, so neither side keeps the connection's state (a refused or misbehaving peer).
     */
    void askClose(boolean reset) {
        if (closeAskedNanos != 0) return;
        closeAskedNanos = System.nanoTime();
        SocketChannel socket = channel.getSocketChannel();
        try {
            if (reset) socket.setOption(StandardSocketOptions.SO_LINGER, 0);
            socket.shutdownInput();
        } catch (IOException | RuntimeException e) {
            // closed meanwhile: the channel's close releases it
        }
    }

    /** Closes the connection from the sweeper, when the selector thread did not. */
    void closeFromOutside() { channel.close(); }

    /**
     * The channel closed: frees the connection's place, once, however often the stack closes it, and wakes the selector.
     * The socket of a channel registered with a selector is only released by that selector's next select: closed from
     * another thread (the sweeper, a SIP thread), it would stay open, the peer none the wiser, until some other
     * connection's event.
     */
    void closed() {
        try {
            if (released.compareAndSet(false, true)) guard.released(this);
        } finally {
            wakeSelector.run();
        }
    }

    private static boolean onlyLineBreaks(byte[] bytes) {
        for (byte b : bytes) if (b != '\r' && b != '\n') return false;
        return true;
    }

    /** Bytes that declare a body larger than the edge takes: the connection goes before the parser sees them. */
    static final class TooLarge extends RuntimeException {
        TooLarge() { super("a Content-Length larger than the largest message", null, false, false); }
    }
}
