package io.sipstream.edge.sip.tcp;

import java.time.Duration;
import java.util.Properties;

/**
 * What TCP and TLS connections from peers may hold: how many at once in all and from one source
 * address, how long a connection may take to deliver a complete message (the first one from its
 * connect, TLS handshake included; any later one from its first byte), and how long it may stay
 * silent. They travel to {@link GuardedProcessorFactory} in the stack's properties.
 */
public record ConnectionLimits(int maxConnections, int maxPerSource, Duration messageTimeout, Duration idleTimeout) {
    private static final String PREFIX = "io.sipstream.edge.sip.tcp.";

    public ConnectionLimits {
        if (maxConnections < 1 || maxPerSource < 1) throw new IllegalArgumentException("connection limits must be at least 1");
        if (messageTimeout.isNegative() || messageTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("connection timeouts must be longer than zero");
        }
    }

    public void addTo(Properties p) {
        p.setProperty(PREFIX + "MAX_CONNECTIONS", Integer.toString(maxConnections));
        p.setProperty(PREFIX + "MAX_PER_SOURCE", Integer.toString(maxPerSource));
        p.setProperty(PREFIX + "MESSAGE_TIMEOUT_MS", Long.toString(messageTimeout.toMillis()));
        p.setProperty(PREFIX + "IDLE_TIMEOUT_MS", Long.toString(idleTimeout.toMillis()));
    }

    /** The limits in a stack's properties; JAIN-SIP's stock limits (none) are never what the edge runs with. */
    static ConnectionLimits from(Properties p) {
        String max = p.getProperty(PREFIX + "MAX_CONNECTIONS");
        if (max == null) throw new IllegalStateException("the SIP stack's properties have no connection limits (" + PREFIX + "*)");
        return new ConnectionLimits(Integer.parseInt(max), Integer.parseInt(p.getProperty(PREFIX + "MAX_PER_SOURCE")),
                Duration.ofMillis(Long.parseLong(p.getProperty(PREFIX + "MESSAGE_TIMEOUT_MS"))),
                Duration.ofMillis(Long.parseLong(p.getProperty(PREFIX + "IDLE_TIMEOUT_MS"))));
    }
}
