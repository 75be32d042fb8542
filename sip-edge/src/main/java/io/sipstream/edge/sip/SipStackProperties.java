package io.sipstream.edge.sip;

import io.sipstream.edge.sip.tcp.ConnectionLimits;
import io.sipstream.edge.sip.tcp.GuardedProcessorFactory;
import java.util.Properties;

/**
 * The JAIN-SIP stack's limits. Its defaults are unlimited (threads, transactions, message size,
 * TCP connections, time a listener may hold a transaction), which lets one flood or one slow
 * callback take the process down; every one is set here (TCP and TLS connections: {@link ConnectionLimits}).
 */
public final class SipStackProperties {

    /** The limits a stack runs with. */
    public record Limits(int threads, int maxMessageSize, int maxServerTransactions, int maxClientTransactions,
                         ConnectionLimits connections, int udpReceiveBuffer) {}

    public static Properties build(Limits limits) {
        Properties p = new Properties();
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off"); // a B2BUA creates its dialogs itself
        p.setProperty("javax.sip.ROUTER_PATH", EdgeRouter.class.getName()); // RFC 3261 routing, plus phones behind NAT
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", Slf4jStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", QuietServerLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
        p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "ERROR");
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
        // forgets a cancelled timer at once: the default keeps it queued until it would have fired (up to 600 s)
        p.setProperty("gov.nist.javax.sip.TIMER_CLASS_NAME", RemovingSipTimer.class.getName());
        // counts malformed messages and logs a sample a second, where the stack logged each one at ERROR
        p.setProperty("gov.nist.javax.sip.MESSAGE_PARSER_FACTORY", CheckedMessageParserFactory.class.getName());
        // A finished transaction lingers for its retransmission timers (Timer J: 32 s on UDP); with this it keeps the
        // bytes it may resend instead of the parsed messages and its dialog. It was off for a while: under load the ACK
        // of a late-offer re-INVITE reached the trunk without its SDP. That was the test phone's doing, not this flag's:
        // it acknowledged the edge's retransmitted 2xx without the answer before its own ACK with it (OutboundCallTest
        // now delays that ACK past the retransmissions, with this on).
        p.setProperty("gov.nist.javax.sip.AGGRESSIVE_CLEANUP", "true");
        // A terminated dialog (and a terminated client transaction) stays in the stack's tables this many seconds, 8 by
        // default, with its messages and transactions: at 150 calls/s that was ~2,400 dead dialogs, a third of the young
        // generation's survivors. Its BYE's own transactions answer a retransmission meanwhile (SipResponder keeps a
        // BYE's server transaction 1 s); a request later than that gets 481, which ends a peer's retransmissions too.
        p.setProperty("gov.nist.javax.sip.LINGER_TIMER", "1");
        // UDP: this many threads take datagrams from the socket's queue; TCP and TLS: as many more (JAIN-SIP's
        // self-routing executor) parse and handle what the NIO selector thread read. TCP_POST_PARSING_THREAD_POOL_SIZE
        // is for JAIN-SIP's blocking processors only, and a static pool shared by every stack in the process: not set
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", Integer.toString(limits.threads()));
        p.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", Integer.toString(limits.maxMessageSize()));
        p.setProperty("gov.nist.javax.sip.MAX_SERVER_TRANSACTIONS", Integer.toString(limits.maxServerTransactions()));
        p.setProperty("gov.nist.javax.sip.MAX_CLIENT_TRANSACTIONS", Integer.toString(limits.maxClientTransactions()));
        p.setProperty("gov.nist.javax.sip.RECEIVE_UDP_BUFFER_SIZE", Integer.toString(limits.udpReceiveBuffer()));
        // TCP and TLS on JAIN-SIP's NIO processors, under the edge's connection limits: the default blocking ones take a
        // thread per connection, stop accepting at MAX_CONNECTIONS and never close a connection that sends nothing (its
        // READ_TIMEOUT starts with a first line), so one host could hold every connection. The guard closes idle
        // connections itself: JAIN-SIP's own idle auditor (NIO_MAX_SOCKET_IDLE_TIME) closes them from its timer thread
        // while the selector thread adds to the same unsynchronised map.
        p.setProperty("gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY", GuardedProcessorFactory.class.getName());
        limits.connections().addTo(p);
        p.setProperty("gov.nist.javax.sip.NIO_MAX_SOCKET_IDLE_TIME", "0");
        // connections the edge opens (to trunks over TCP or TLS) connect on the sending thread, as before: in
        // NONBLOCKING mode JAIN-SIP opens a second connection when a request follows before the first has connected
        p.setProperty("gov.nist.javax.sip.NIO_BLOCKING_MODE", "BLOCKING");
        // A WebSocket client's Via and Contact name a host nobody can resolve (RFC 7118: xyz.invalid); JAIN-SIP would
        // rewrite them to the connection's address. Kept as sent: the registrar binds the Contact with the connection
        // it came over, and the edge sends to that flow (EdgeRouter's pin), as for a phone behind NAT.
        p.setProperty("gov.nist.javax.sip.PATCH_SIP_WEBSOCKETS_HEADERS", "false");
        // seconds a listener callback may hold a transaction's lock; ours return at once
        p.setProperty("gov.nist.javax.sip.MAX_LISTENER_RESPONSE_TIME", "8");
        // a ringing call lives at most 10 minutes; a non-INVITE transaction 2
        p.setProperty("gov.nist.javax.sip.MAX_TX_LIFETIME_INVITE", "600");
        p.setProperty("gov.nist.javax.sip.MAX_TX_LIFETIME_NON_INVITE", "120");
        p.setProperty("gov.nist.javax.sip.EARLY_DIALOG_TIMEOUT_SECONDS", "600");
        p.setProperty("gov.nist.javax.sip.CACHE_SERVER_CONNECTIONS", "true");
        p.setProperty("gov.nist.javax.sip.CACHE_CLIENT_CONNECTIONS", "true");
        p.setProperty("gov.nist.javax.sip.DELIVER_UNSOLICITED_NOTIFY", "false");
        p.setProperty("gov.nist.javax.sip.REJECT_STRAY_RESPONSES", "true");
        // A datagram that waited this long for a SIP thread has been retransmitted already (T1 is 500 ms; an
        // INVITE goes again at 0.5 and 1.5 s, a 2xx until its ACK): handling it late is only load. The stack's
        // auditor drops the queue's older entries every 2 s, so they go at 1 to 3 s. QueueDelayValve refuses new
        // INVITEs long before; this is the backstop for the rest (a lost 180 is the only thing not sent again).
        p.setProperty("gov.nist.javax.sip.CONGESTION_CONTROL_TIMEOUT", "1000");
        // refuses new INVITEs while datagrams wait for a SIP thread (edge.overload.queue.delay), before any transaction
        p.setProperty("gov.nist.javax.sip.SIP_MESSAGE_VALVE", QueueDelayValve.class.getName());
        return p;
    }

    /**
     * The receive buffer the kernel grants a UDP socket when asked for {@code wanted} bytes (it caps the
     * request at net.core.rmem_max and reports twice what it keeps for its own bookkeeping).
     */
    public static int grantedUdpReceiveBuffer(int wanted) {
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(null)) {
            probe.setReceiveBufferSize(wanted);
            return probe.getReceiveBufferSize();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /**
     * Adds TLS with the edge's certificate from a JKS or PKCS12 keystore. The connections the edge opens (to trunks) trust
     * the system's CAs plus those of {@code caFile} (PEM; null: none) and verify the peer's name
     * ({@link io.sipstream.edge.sip.tls.EdgeSecurityProvider}, {@code GuardedTlsChannel}).
     */
    public static void addTls(Properties p, String keystore, String password, String caFile) {
        String type = keystore.toLowerCase(java.util.Locale.ROOT).endsWith(".jks") ? "jks" : "pkcs12";
        p.setProperty("javax.net.ssl.keyStore", keystore);
        p.setProperty("javax.net.ssl.keyStorePassword", password);
        p.setProperty("javax.net.ssl.keyStoreType", type);
        p.setProperty("gov.nist.javax.sip.SECURITY_MANAGER_PROVIDER", io.sipstream.edge.sip.tls.EdgeSecurityProvider.class.getName());
        if (caFile != null) p.setProperty(io.sipstream.edge.sip.tls.EdgeSecurityProvider.CA_FILE, caFile);
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", "Disabled");
        // JAIN-SIP's own defaults (TLSv1 to 1.2, TLS_RSA_* and anonymous suites) are all disabled by current JDKs: no
        // handshake would ever succeed. The property named CLIENT sets the protocols of server sockets too.
        // no space after the comma: the WSS channel splits on "," alone (the TLS one on commas and spaces)
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", "TLSv1.3,TLSv1.2");
        p.setProperty("gov.nist.javax.sip.ENABLED_CIPHER_SUITES", String.join(" ", jdkCipherSuites()));
    }

    /** The cipher suites the JDK enables by default (its security policy, kept current with the JDK). */
    private static String[] jdkCipherSuites() {
        try {
            return javax.net.ssl.SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default TLS context in this JDK", e);
        }
    }

    private SipStackProperties() {}
}
