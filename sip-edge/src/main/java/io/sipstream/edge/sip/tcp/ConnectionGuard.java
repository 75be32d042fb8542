package io.sipstream.edge.sip.tcp;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's rules for the TCP and TLS connections peers open (one guard per SIP stack, for all its
 * listening points): at most {@code maxConnections} at once and {@code maxPerSource} from one
 * address, the rest closed at once with an RST; a connection must deliver a complete message within
 * {@code messageTimeout} of its connect (the first) or of a message's first byte (any later one),
 * and is closed after {@code idleTimeout} without a byte either way. Without these one host held
 * every connection JAIN-SIP would accept, for ever, by connecting and saying nothing.
 *
 * <p>Connections the edge opens itself (to trunks, to a phone's contact) count toward no limit and are
 * never closed for silence (the edge keeps them to send on), but their messages are due within the same
 * time from their first byte, and the same screen closes one announcing a body past the largest message.
 *
 * <p>Refusals and closings are counted and logged as a sample, at most once a second: a flood of
 * connections must not become a flood of log lines.
 */
public final class ConnectionGuard {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final long REPORT_EVERY_NANOS = 1_000_000_000L;
    /** How long a connection asked to close may stay open before the sweeper closes it itself. */
    private static final long CLOSE_GRACE_NANOS = 2_000_000_000L;
    /** Connections the kernel may hold complete but not yet accepted, per listening point (capped by net.core.somaxconn). */
    static final int ACCEPT_BACKLOG = 1024;

    private final ConnectionLimits limits;
    private final Map<String, Integer> perSource = new HashMap<>(); // guarded by this
    private int open;                                                // guarded by this
    private final Set<GuardedConnection> connections = ConcurrentHashMap.newKeySet();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refusedPerSource = new LongAdder();
    private final LongAdder refusedTotal = new LongAdder();
    private final LongAdder closedMessageTimeout = new LongAdder();
    private final LongAdder closedIdle = new LongAdder();
    private final LongAdder closedContentLength = new LongAdder();
    private final AtomicLong lastReport = new AtomicLong(System.nanoTime() - REPORT_EVERY_NANOS);
    private final AtomicLong unreported = new AtomicLong();

    public ConnectionGuard(ConnectionLimits limits) { this.limits = limits; }

    /**
     * A listening point's server socket, registered with its selector for accepts: as JAIN-SIP's, with a deeper
     * accept queue (it binds with the JDK's 50, and while a flood of connections keeps the selector busy, a full
     * queue drops every new caller's SYN for a second at a time).
     */
    static java.nio.channels.ServerSocketChannel listen(java.net.InetAddress address, int port, java.nio.channels.Selector selector)
            throws java.io.IOException {
        java.nio.channels.ServerSocketChannel channel = java.nio.channels.ServerSocketChannel.open();
        channel.configureBlocking(false);
        channel.bind(new java.net.InetSocketAddress(address, port), ACCEPT_BACKLOG);
        channel.register(selector, java.nio.channels.SelectionKey.OP_ACCEPT);
        return channel;
    }

    public ConnectionLimits limits() { return limits; }

    /** Takes a place for a new connection from this address, or says why there is none (null: admitted). */
    synchronized String admit(String source) {
        accepted.increment();
        if (open >= limits.maxConnections()) {
            refusedTotal.increment();
            return "the edge has " + open + " connections open (edge.sip.max.tcp.connections)";
        }
        int fromSource = perSource.getOrDefault(source, 0);
        if (fromSource >= limits.maxPerSource()) {
            refusedPerSource.increment();
            return "it has " + fromSource + " connections open (edge.sip.tcp.max.connections.per.source)";
        }
        perSource.put(source, fromSource + 1);
        open++;
        return null;
    }

    /** {@link #admit}, with the refusal reported; true when admitted. */
    boolean admitOrReport(String source, String transport) {
        String refusal = admit(source);
        if (refusal == null) return true;
        report("refused a " + transport + " connection from " + source + ": " + refusal);
        return false;
    }

    void opened(GuardedConnection c) { connections.add(c); }

    void released(GuardedConnection c) {
        connections.remove(c);
        if (!c.admitted()) return;
        synchronized (this) {
            open--;
            perSource.computeIfPresent(c.source(), (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    /** Connections admitted and still open. */
    public synchronized int open() { return open; }

    /** Connections from this address admitted and still open. */
    public synchronized int open(String source) { return perSource.getOrDefault(source, 0); }

    /** Ends the connections past their deadlines; run about once a second. */
    void sweep() {
        long now = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        long idleMillis = limits.idleTimeout().toMillis();
        for (GuardedConnection c : connections) {
            try {
                if (c.closing()) {
                    if (now - c.closeAskedNanos() > CLOSE_GRACE_NANOS) { // the selector never saw it
                        log.debug("closing a connection from {} that stayed open after it was asked to close", c.source());
                        c.closeFromOutside();
                    }
                } else if (c.deadlineNanos() != 0 && now - c.deadlineNanos() > 0) {
                    closedMessageTimeout.increment();
                    c.askClose(true);
                    report("closed a connection " + (c.outbound() ? "to " : "from ") + c.source() + ": no complete SIP message within "
                            + limits.messageTimeout().toMillis() + " ms (edge.sip.tcp.message.timeout)");
                } else if (!c.outbound() && nowMillis - c.channel().getLastActivityTimestamp() > idleMillis) {
                    closedIdle.increment();
                    c.askClose(false);
                    log.debug("closed a connection from {}: idle for {} ms (edge.sip.tcp.idle.timeout)", c.source(), idleMillis);
                }
            } catch (RuntimeException e) {
                log.debug("connection sweep of {} failed: {}", c.source(), e.toString());
            }
        }
    }

    /** A connection's bytes announced a body past the largest message: it is being closed. */
    void tooLarge(GuardedConnection c) {
        closedContentLength.increment();
        report("closed a connection " + (c.outbound() ? "to " : "from ") + c.source()
                + ": it announced a message (a Content-Length, a WebSocket frame or upgrade) over edge.sip.max.message.size");
    }

    private void report(String what) {
        long since = unreported.incrementAndGet();
        long now = System.nanoTime();
        long last = lastReport.get();
        if (now - last < REPORT_EVERY_NANOS || !lastReport.compareAndSet(last, now)) return;
        unreported.addAndGet(-since);
        log.warn("{} ({} connections refused or closed since the last report)", what, since);
    }

    /** Connections peers opened, those refused at once too. */
    public long accepted() { return accepted.sum(); }

    /** Connections refused as they came for their source's count ({@code edge.sip.tcp.max.connections.per.source}). */
    public long refusedForSource() { return refusedPerSource.sum(); }

    /** Connections refused as they came for the total ({@code edge.sip.max.tcp.connections}). */
    public long refusedForTotal() { return refusedTotal.sum(); }

    /** Connections closed for a message not complete in time ({@code edge.sip.tcp.message.timeout}). */
    public long closedForMessageTimeout() { return closedMessageTimeout.sum(); }

    /** Connections closed for silence ({@code edge.sip.tcp.idle.timeout}). */
    public long closedForIdle() { return closedIdle.sum(); }

    /** Connections closed for a Content-Length past {@code edge.sip.max.message.size}, the edge's own too. */
    public long closedForContentLength() { return closedContentLength.sum(); }
}
