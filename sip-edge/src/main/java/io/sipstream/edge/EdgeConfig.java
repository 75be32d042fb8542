package io.sipstream.edge;

import io.sipstream.edge.call.SessionTimer;
import io.sipstream.edge.media.MediaSettings;
import io.sipstream.edge.overload.SetupLimiter;
import io.sipstream.edge.sip.tcp.ConnectionLimits;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.platform.redis.RedisSettings;
import io.sipstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Everything the SIP edge is configured with, read and validated once at start. Every key is
 * documented in the module report (docs/configuration.md); errors name the key.
 */
public record EdgeConfig(
        int edgeId,
        String sipHost,
        int sipPort,
        List<String> transports,
        String sipDomain,
        String advertisedHost,
        String tlsKeystore,
        String tlsKeystorePassword,
        String tlsTrustCaFile,
        int tlsPort,
        int wsPort,
        int wssPort,
        Duration verdictTimeout,
        int retryAfterSeconds,
        Duration interimInterval,
        boolean progressEvents,
        Path journalDir,
        Duration journalHeartbeat,
        int eventsQueueCapacity,
        Duration targetTimeout,
        Duration maxCallDuration,
        SessionTimer.Settings sessionTimers,
        int sipThreads,
        int maxMessageSize,
        int maxServerTransactions,
        int maxClientTransactions,
        ConnectionLimits tcpConnections,
        int udpReceiveBuffer,
        Duration nonceTtl,
        List<String> authAlgorithms,
        int rateLimitPerSecond,
        int trunkRateLimitPerSecond,
        int banAfter,
        int banSourceUsers,
        Duration banDuration,
        int registrarMinExpires,
        int registrarMaxExpires,
        int registrarMaxContacts,
        int upstreamRegisterExpires,
        int trunkDownAfter,
        String secretsKey,
        boolean createTopics,
        SetupLimiter.Settings overload,
        Duration overloadQueueDelay,
        Duration overloadQueueDelaySustain,
        int ioMaxTasks,
        MediaSettings media,
        String peerSecret,
        String peerAddress,
        RedisSettings redis,
        KafkaSettings kafka) {

    /** A port of a transport that is not listened on ({@link #wsPort}, {@link #wssPort}). */
    public static final int OFF = -1;

    /** The edge's default {@code redis.timeout}. */
    static final Duration REDIS_TIMEOUT = Duration.ofMillis(500);

    /** Two SIP threads a core, at least four. */
    static final int DEFAULT_SIP_THREADS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    public static EdgeConfig from(Settings s) { return from(s, SessionTimer.RFC_MIN_SE); }

    /**
     * For tests: as {@link #from(Settings)}, with {@code edge.session.min.se} allowed down to {@code minSessionMinSe}
     * seconds, so a session refresh or expiry takes seconds, not RFC 4028's 90 s at least. Production reads {@link #from(Settings)}.
     */
    public static EdgeConfig from(Settings s, int minSessionMinSe) {
        int edgeId = s.integer("edge.id", 0, 0, Topics.MAX_EDGES - 1);
        String host = s.string("sip.host", "127.0.0.1");
        int port = s.integer("sip.port", 5060, 0, 65535);
        List<String> transports = s.list("sip.transports", List.of("udp", "tcp")).stream()
                .map(t -> t.toLowerCase(Locale.ROOT)).toList();
        for (String t : transports) {
            if (!t.equals("udp") && !t.equals("tcp")) {
                throw new ConfigException("sip.transports", "'" + t + "' is not udp or tcp (TLS is enabled by edge.tls.keystore)");
            }
        }
        if (transports.isEmpty()) throw new ConfigException("sip.transports", "needs at least one of udp, tcp");
        String advertised = s.string("sip.advertised.host", null);
        if (advertised == null) {
            if (host.equals("0.0.0.0") || host.equals("::")) {
                throw new ConfigException("sip.advertised.host", "is required when sip.host is the wildcard " + host
                        + " (the address peers reach the edge at, put in Via and Contact)");
            }
            advertised = host;
        }
        String keystore = s.string("edge.tls.keystore", null);
        String keystorePassword = s.string("edge.tls.keystore.password", null);
        if (keystore != null && keystorePassword == null) {
            throw new ConfigException("edge.tls.keystore.password", "is required when edge.tls.keystore is set");
        }
        // SIP over WebSocket (RFC 7118) for browsers: off unless a port is set; WSS needs the TLS keystore
        int wsPort = s.has("sip.ws.port") ? s.integer("sip.ws.port", 0, 0, 65535) : OFF;
        int wssPort = s.has("sip.wss.port") ? s.integer("sip.wss.port", 0, 0, 65535) : OFF;
        if (wssPort != OFF && keystore == null) {
            throw new ConfigException("sip.wss.port", "needs edge.tls.keystore (WSS serves the TLS certificate)");
        }
        String caFile = trustCaFile(s, keystore);
        int min = s.integer("edge.registrar.min.expires", 60, 1, 86_400);
        int max = s.integer("edge.registrar.max.expires", 3600, 1, 86_400);
        if (max < min) throw new ConfigException("edge.registrar.max.expires", "is below edge.registrar.min.expires (" + min + ")");
        Duration verdictTimeout = s.duration("edge.verdict.timeout", Duration.ofSeconds(2));
        positive("edge.verdict.timeout", verdictTimeout);
        Duration interim = s.duration("edge.interim.interval", Duration.ofSeconds(30));
        positive("edge.interim.interval", interim);
        Duration heartbeat = s.duration("edge.journal.heartbeat", Duration.ofSeconds(5));
        positive("edge.journal.heartbeat", heartbeat);
        Duration targetTimeout = s.duration("edge.target.timeout", Duration.ofSeconds(8));
        positive("edge.target.timeout", targetTimeout);
        Duration maxCallDuration = "0".equals(s.string("edge.max.call.duration", "").trim()) ? Duration.ZERO
                : s.duration("edge.max.call.duration", Duration.ofHours(4));
        if (maxCallDuration.isNegative()) throw new ConfigException("edge.max.call.duration", "must not be negative (0 means no limit)");
        Duration nonceTtl = s.duration("edge.auth.nonce.ttl", Duration.ofMinutes(5));
        positive("edge.auth.nonce.ttl", nonceTtl);
        Duration banDuration = s.duration("edge.auth.ban.duration", Duration.ofMinutes(10));
        List<String> algorithms = s.list("edge.auth.algorithms", List.of("SHA-256", "MD5")).stream()
                .map(a -> a.toUpperCase(Locale.ROOT)).toList();
        if (algorithms.isEmpty() || !List.of("SHA-256", "MD5").containsAll(algorithms)) {
            throw new ConfigException("edge.auth.algorithms", "'" + String.join(",", algorithms) + "' must list SHA-256 and/or MD5");
        }
        SetupLimiter.Settings overload = overload(s);
        String peerSecret = s.string("edge.peer.secret", null);
        if (peerSecret != null && peerSecret.length() < 16) throw new ConfigException("edge.peer.secret", "must have at least 16 characters");
        if (peerSecret == null && s.has("edge.peer.address")) {
            throw new ConfigException("edge.peer.address", "needs edge.peer.secret: without it edges do not relay to each other");
        }
        String secrets = s.string("secrets.key", null);
        if (secrets != null && secrets.length() < 16) throw new ConfigException("secrets.key", "must have at least 16 characters");
        return new EdgeConfig(
                edgeId, host, port, transports,
                s.string("sip.domain", "sipstream.local"), advertised,
                keystore, keystorePassword, caFile, s.integer("sip.tls.port", port == 0 ? 0 : port + 1, 0, 65535),
                wsPort, wssPort,
                verdictTimeout, s.integer("edge.retry.after", 5, 0, 3600), interim,
                // ATTEMPT and RINGING of calls without a duration cap: nothing downstream needs them (docs/topics.md)
                s.bool("edge.events.progress", false),
                Path.of(s.string("edge.journal.dir", "data/edge-" + edgeId + "/journal")), heartbeat,
                // ten seconds of a busy edge's events (400 calls/s): the journal writes them in milliseconds unless its
                // disk stalls, and Kafka never holds them up (an outage waits in the journal, per call)
                s.integer("edge.events.queue.capacity", 10_000, 16, 10_000_000),
                targetTimeout, maxCallDuration,
                sessionTimers(s, minSessionMinSe),
                // no listener callback blocks (Redis and Kafka are off the SIP threads), so threads beyond the
                // cores only switch: on 2 cores 32 threads cost 15 % more CPU a call than 4 and held 250 calls/s, not 350
                s.integer("edge.sip.threads", DEFAULT_SIP_THREADS, 2, 1024),
                // JAIN-SIP allocates a receive buffer of this size for every UDP datagram (up to 64 KiB):
                // at 64 KiB that was 28 % of everything the whole stack allocated under load. UDP SIP
                // stays under ~1,300 bytes (RFC 3261 18.1.1); larger messages come over TCP.
                s.integer("edge.sip.max.message.size", 16_384, 4096, 1_048_576),
                s.integer("edge.sip.max.server.transactions", 10_000, 10, 1_000_000),
                s.integer("edge.sip.max.client.transactions", 10_000, 10, 1_000_000),
                tcpConnections(s, max),
                // the kernel's queue of datagrams not yet read: JAIN-SIP's default (64 KiB) overflowed at every
                // young collection above 250 calls/s (the lost INVITEs and 200s came back as retransmissions
                // and 408s); the kernel caps it at net.core.rmem_max, and the edge warns when it does
                s.integer("edge.sip.udp.receive.buffer", 4 << 20, 65_536, 256 << 20),
                nonceTtl, algorithms,
                s.integer("edge.ratelimit.per.second", 50, 1, 1_000_000),
                // a carrier's requests, all its addresses together: the whole edge holds ~400 calls/s (~1,200 requests/s)
                // on two cores, so this only stops a trunk gone mad, never one the edge could serve
                s.integer("edge.ratelimit.trunk.per.second", 2000, 1, 1_000_000),
                s.integer("edge.auth.ban.after", 10, 1, 1_000_000),
                s.integer("edge.auth.ban.source.users", 10, 1, 1_000_000), banDuration,
                min, max, s.integer("edge.registrar.max.contacts", 10, 1, 1000),
                s.integer("edge.upstream.register.expires", 600, 60, 86_400),
                // failed OPTIONS probes in a row (no answer, 408, 5xx) before a trunk is down and skipped
                s.integer("edge.trunk.down.after", 3, 1, 100),
                secrets,
                s.bool("edge.topics.create", true),
                overload, queueDelay(s),
                // a collection's pause leaves a burst the SIP threads drain in tens of ms (a full one's in a
                // few hundred): refusing calls for that failed calls at rates the edge holds
                nonNegative("edge.overload.queue.delay.sustain", s.duration("edge.overload.queue.delay.sustain", Duration.ofSeconds(1))),
                // requests waiting on Redis at once: at 400 calls/s a stalled Redis fails each within a second, so more
                // than this only holds memory; in normal running a handful wait, for a millisecond
                s.integer("edge.io.max.tasks", 256, 1, 100_000),
                MediaSettings.from(s),
                peerSecret, peerSecret == null ? null : peerAddress(s, advertised, port, transports),
                // a caller waits on every command: with the pool's wait (redis.pool.max.wait, half of this) a stalled
                // Redis costs it a 503 within a second, not the 2 s the other services allow a command
                RedisSettings.from(s, REDIS_TIMEOUT), KafkaSettings.from(s));
    }

    /**
     * {@code edge.peer.address}: where the other edges send this one the calls for the phones it holds, as a SIP URI;
     * {@code host[:port]} (default: the advertised host and the SIP port), over UDP when the edge listens on it, else TCP.
     */
    private static String peerAddress(Settings s, String advertised, int sipPort, List<String> transports) {
        String key = "edge.peer.address";
        if (sipPort == 0 && !s.has(key)) throw new ConfigException(key, "is required with edge.peer.secret when sip.port is 0 (any free port)");
        String value = s.string(key, advertised + ":" + sipPort).trim();
        int colon = value.lastIndexOf(':');
        boolean hasPort = colon > value.lastIndexOf(']');
        String host = hasPort ? value.substring(0, colon) : value;
        int peerPort = sipPort;
        if (hasPort) {
            try {
                peerPort = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "'" + value + "' is not host[:port]");
            }
        }
        if (host.isEmpty() || host.matches(".*[\\s;@<>/].*") || peerPort < 1 || peerPort > 65535) {
            throw new ConfigException(key, "'" + value + "' is not host[:port] with a port of 1..65535");
        }
        return "sip:" + host + ":" + peerPort + (transports.contains("udp") ? "" : ";transport=tcp");
    }

    /** Edges relay calls to each other's phones (RFC 3327's Path, docs/architecture.md): only with a shared secret. */
    public boolean relaysBetweenEdges() { return peerSecret != null; }

    /** The operator's CAs for TLS to carriers, read now so that a wrong file stops the edge at start with the reason. */
    private static String trustCaFile(Settings s, String keystore) {
        String key = "edge.tls.trust.ca.file";
        String caFile = s.string(key, null);
        if (caFile == null || caFile.isBlank()) return null;
        if (keystore == null) throw new ConfigException(key, "needs edge.tls.keystore: the edge speaks TLS only with a certificate of its own");
        try {
            io.sipstream.edge.sip.tls.CarrierTrust.readCaFile(Path.of(caFile));
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            throw new ConfigException(key, e.getMessage());
        }
        return caFile;
    }

    private static SetupLimiter.Settings overload(Settings s) {
        // a full collection's pause (about 0.5 s) holds a second's arrivals in set-up at once: at 400 calls/s
        // a cap of 200 and a 200 ms target refused calls the edge would have served a moment later
        int max = s.integer("edge.overload.max.setup", 1000, 1, 100_000);
        int min = s.integer("edge.overload.min.setup", Math.min(10, max), 1, 100_000);
        if (min > max) throw new ConfigException("edge.overload.min.setup", "is above edge.overload.max.setup (" + max + ")");
        Duration target = s.duration("edge.overload.target.latency", Duration.ofSeconds(1));
        positive("edge.overload.target.latency", target);
        return new SetupLimiter.Settings(s.bool("edge.overload.enabled", true), min, max, target);
    }

    private static ConnectionLimits tcpConnections(Settings s, int registrarMaxExpires) {
        // a connection costs no thread on the NIO processors, only a file descriptor and a few KiB: the cap keeps
        // descriptors for the rest of the process (the edge lowers it at start when the process' own limit is lower)
        int max = s.integer("edge.sip.max.tcp.connections", 10_000, 1, 1_000_000);
        // an office's phones share one public address: many may hold a connection each
        int perSource = s.integer("edge.sip.tcp.max.connections.per.source", 100, 1, 1_000_000);
        Duration message = s.duration("edge.sip.tcp.message.timeout", Duration.ofSeconds(10));
        positive("edge.sip.tcp.message.timeout", message);
        // longer than the longest registration: a TCP phone that only re-registers must stay reachable on its connection
        Duration idle = s.duration("edge.sip.tcp.idle.timeout", Duration.ofSeconds(registrarMaxExpires + 60L));
        positive("edge.sip.tcp.idle.timeout", idle);
        return new ConnectionLimits(max, perSource, message, idle);
    }

    /** RFC 4028 session timers: the interval the edge asks for and the longest it grants (0: none), and the shortest it takes. */
    private static SessionTimer.Settings sessionTimers(Settings s, int minSessionMinSe) {
        int minSe = s.integer("edge.session.min.se", SessionTimer.RFC_MIN_SE, minSessionMinSe, SessionTimer.MAX_INTERVAL);
        int expires = s.integer("edge.session.expires", 1800, 0, SessionTimer.MAX_INTERVAL);
        if (expires != 0 && expires < minSe) {
            throw new ConfigException("edge.session.expires", "is below edge.session.min.se (" + minSe + "); 0 turns session timers off");
        }
        return new SessionTimer.Settings(expires, minSe);
    }

    /** Refuse new INVITEs while datagrams wait longer than this for a SIP thread; 0 = never. */
    private static Duration queueDelay(Settings s) {
        String key = "edge.overload.queue.delay";
        // Datagrams wait 20-120 ms for a SIP thread at rates the edge serves (400 calls/s on two cores): refusing
        // from 20 ms refused 6 % of calls there. Past 200 ms the peers' retransmissions (at 500 ms) are near:
        // that is the collapse to prevent. A refused INVITE has itself waited that long before its 503.
        Duration d = "0".equals(s.string(key, "").trim()) ? Duration.ZERO : s.duration(key, Duration.ofMillis(200));
        if (d.isNegative()) throw new ConfigException(key, "must not be negative (0 means never)");
        return d;
    }

    private static Duration nonNegative(String key, Duration d) {
        if (d.isNegative()) throw new ConfigException(key, "must not be negative");
        return d;
    }

    private static void positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) throw new ConfigException(key, "must be longer than zero");
    }

    public boolean tlsEnabled() { return tlsKeystore != null; }

    /** SIP over WebSocket is listened on ({@code sip.ws.port} set). */
    public boolean wsEnabled() { return wsPort != OFF; }

    /** SIP over secure WebSocket is listened on ({@code sip.wss.port} set). */
    public boolean wssEnabled() { return wssPort != OFF; }
}
