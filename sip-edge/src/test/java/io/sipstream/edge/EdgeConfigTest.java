package io.sipstream.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.edge.call.SessionTimer;
import io.sipstream.edge.overload.SetupLimiter;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeConfigTest {
    private static Settings settings(Map<String, String> more) {
        Map<String, String> m = new HashMap<>(Map.of("kafka.bootstrap", "127.0.0.1:9092", "schema.registry.url", "http://127.0.0.1:8081",
                "redis.url", "redis://127.0.0.1:6379"));
        m.putAll(more);
        return Settings.of(m);
    }

    @Test
    void shouldApplyTheDocumentedDefaults() {
        EdgeConfig c = EdgeConfig.from(settings(Map.of()));
        assertThat(c.edgeId()).isZero();
        assertThat(c.sipHost()).isEqualTo("127.0.0.1");
        assertThat(c.sipPort()).isEqualTo(5060);
        assertThat(c.transports()).containsExactly("udp", "tcp");
        assertThat(c.sipDomain()).isEqualTo("sipstream.local");
        assertThat(c.verdictTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.interimInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.registrarMinExpires()).isEqualTo(60);
        assertThat(c.registrarMaxExpires()).isEqualTo(3600);
        assertThat(c.tlsEnabled()).isFalse();
        assertThat(c.wsEnabled()).as("WebSocket only when a port is set").isFalse();
        assertThat(c.wssEnabled()).isFalse();
        assertThat(EdgeService.endpointSpec(c).transportPorts()).containsOnlyKeys("udp", "tcp");
        assertThat(c.maxCallDuration()).isEqualTo(Duration.ofHours(4));
        assertThat(c.registrarMaxContacts()).isEqualTo(10);
        assertThat(c.udpReceiveBuffer()).as("room for the datagrams of a collection's pause").isEqualTo(4 << 20);
        assertThat(c.sipThreads()).isEqualTo(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
        assertThat(EdgeService.endpointSpec(c).stackProperties().getProperty("gov.nist.javax.sip.RECEIVE_UDP_BUFFER_SIZE"))
                .isEqualTo(Integer.toString(4 << 20));
        assertThat(c.overload()).isEqualTo(new SetupLimiter.Settings(true, 10, 1000, Duration.ofSeconds(1)));
        assertThat(c.overloadQueueDelay()).as("well before the peers' retransmissions at 500 ms").isEqualTo(Duration.ofMillis(200));
        assertThat(c.overloadQueueDelaySustain()).as("a collection's burst drains first").isEqualTo(Duration.ofSeconds(1));
        assertThat(EdgeService.endpointSpec(c).stackProperties().getProperty("gov.nist.javax.sip.SIP_MESSAGE_VALVE"))
                .isEqualTo(io.sipstream.edge.sip.QueueDelayValve.class.getName());
        assertThat(c.sessionTimers()).as("RFC 4028's usual interval and its floor").isEqualTo(new SessionTimer.Settings(1800, 90));
        assertThat(c.progressEvents()).as("lean call events").isFalse();
        assertThat(EdgeConfig.from(settings(Map.of("edge.events.progress", "true"))).progressEvents()).isTrue();
    }

    @Test
    void shouldListenOnWebSocketsWhenTheirPortsAreSet() {
        EdgeConfig c = EdgeConfig.from(settings(Map.of("sip.ws.port", "5066", "sip.wss.port", "5067",
                "edge.tls.keystore", "/k.p12", "edge.tls.keystore.password", "pw")));
        assertThat(EdgeService.endpointSpec(c).transportPorts()).containsEntry("ws", 5066).containsEntry("wss", 5067);
        assertThat(EdgeService.endpointSpec(c).stackProperties().getProperty("gov.nist.javax.sip.PATCH_SIP_WEBSOCKETS_HEADERS"))
                .as("a browser's .invalid Contact is kept, and reached over its connection").isEqualTo("false");
        assertThat(EdgeConfig.from(settings(Map.of("sip.ws.port", "0"))).wsPort()).as("any free port").isZero();
    }

    @Test
    void shouldRelayBetweenEdgesOnlyWithASecretAndReachThisOneAtItsPeerAddress() {
        EdgeConfig alone = EdgeConfig.from(settings(Map.of()));
        assertThat(alone.relaysBetweenEdges()).isFalse();
        assertThat(alone.peerAddress()).isNull();
        EdgeConfig relaying = EdgeConfig.from(settings(Map.of("edge.peer.secret", "0123456789abcdef", "sip.advertised.host", "203.0.113.5")));
        assertThat(relaying.relaysBetweenEdges()).isTrue();
        assertThat(relaying.peerAddress()).as("the advertised host and SIP port by default").isEqualTo("sip:203.0.113.5:5060");
        assertThat(EdgeConfig.from(settings(Map.of("edge.peer.secret", "0123456789abcdef", "edge.peer.address", "10.0.0.7:5070",
                "sip.transports", "tcp"))).peerAddress()).isEqualTo("sip:10.0.0.7:5070;transport=tcp");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.peer.secret", "short")))).hasMessageContaining("edge.peer.secret");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.peer.address", "10.0.0.7:5070"))))
                .hasMessageContaining("edge.peer.address").hasMessageContaining("edge.peer.secret");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.peer.secret", "0123456789abcdef", "edge.peer.address", "10.0.0.7:99999"))))
                .hasMessageContaining("edge.peer.address");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.peer.secret", "0123456789abcdef", "edge.peer.address", "a@b;c:5060"))))
                .hasMessageContaining("edge.peer.address");
    }

    @Test
    void shouldNameTheKeyOfABadValue() {
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.id", "8")))).isInstanceOf(ConfigException.class).hasMessageContaining("edge.id");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("sip.host", "0.0.0.0")))).hasMessageContaining("sip.advertised.host");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("sip.transports", "udp,sctp")))).hasMessageContaining("sip.transports");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.tls.keystore", "/k.p12")))).hasMessageContaining("edge.tls.keystore.password");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("sip.wss.port", "5063")))).hasMessageContaining("sip.wss.port")
                .hasMessageContaining("edge.tls.keystore");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("sip.ws.port", "70000")))).hasMessageContaining("sip.ws.port");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.verdict.timeout", "0s")))).hasMessageContaining("edge.verdict.timeout");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.registrar.max.expires", "30")))).hasMessageContaining("edge.registrar.max.expires");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("secrets.key", "short")))).hasMessageContaining("secrets.key");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.max.call.duration", "-1s")))).hasMessageContaining("edge.max.call.duration");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.overload.min.setup", "2000")))).hasMessageContaining("edge.overload.min.setup");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.overload.target.latency", "0ms")))).hasMessageContaining("edge.overload.target.latency");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.overload.queue.delay", "-5ms")))).hasMessageContaining("edge.overload.queue.delay");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.overload.queue.delay", "fast")))).hasMessageContaining("edge.overload.queue.delay");
    }

    @Test
    void shouldKeepSessionIntervalsWithinRfc4028UnlessATestAsksForShorterOnes() {
        assertThat(EdgeConfig.from(settings(Map.of("edge.session.expires", "0"))).sessionTimers().enabled()).as("0: off").isFalse();
        assertThat(EdgeConfig.from(settings(Map.of("edge.session.expires", "600", "edge.session.min.se", "120"))).sessionTimers())
                .isEqualTo(new SessionTimer.Settings(600, 120));
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.session.min.se", "30")))).hasMessageContaining("edge.session.min.se");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.session.expires", "60")))).hasMessageContaining("edge.session.expires");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.session.expires", "1800", "edge.session.min.se", "3600"))))
                .hasMessageContaining("edge.session.expires");
        assertThat(EdgeConfig.from(settings(Map.of("edge.session.expires", "6", "edge.session.min.se", "2")), 1).sessionTimers())
                .isEqualTo(new SessionTimer.Settings(6, 2));
    }

    @Test
    void shouldReadNoLimitOnTheCallDurationAsZero() {
        assertThat(EdgeConfig.from(settings(Map.of("edge.max.call.duration", "0"))).maxCallDuration()).isZero();
        assertThat(EdgeConfig.from(settings(Map.of("edge.max.call.duration", "90m"))).maxCallDuration()).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void shouldReadNoRefusalForTheSipQueueDelayAsZero() {
        assertThat(EdgeConfig.from(settings(Map.of("edge.overload.queue.delay", "0"))).overloadQueueDelay()).isZero();
        assertThat(EdgeConfig.from(settings(Map.of("edge.overload.queue.delay", "35ms"))).overloadQueueDelay()).isEqualTo(Duration.ofMillis(35));
    }

    @Test
    void shouldLowerTheOverloadFloorToASmallCap() {
        assertThat(EdgeConfig.from(settings(Map.of("edge.overload.max.setup", "3"))).overload().minSetup()).isEqualTo(3);
    }

    @Test
    void shouldLimitTcpConnectionsAndCarrierRatesByDefault() {
        EdgeConfig c = EdgeConfig.from(settings(Map.of()));
        assertThat(c.tcpConnections()).isEqualTo(new io.sipstream.edge.sip.tcp.ConnectionLimits(10_000, 100, Duration.ofSeconds(10),
                Duration.ofSeconds(3600 + 60)));
        assertThat(EdgeConfig.from(settings(Map.of("edge.registrar.max.expires", "600"))).tcpConnections().idleTimeout())
                .as("longer than the longest registration").isEqualTo(Duration.ofSeconds(660));
        assertThat(c.trunkRateLimitPerSecond()).isEqualTo(2000);
        assertThat(c.rateLimitPerSecond()).isEqualTo(50);
        assertThat(c.banAfter()).isEqualTo(10);
        assertThat(c.banSourceUsers()).isEqualTo(10);
        var props = EdgeService.endpointSpec(c).stackProperties();
        assertThat(props.getProperty("gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY"))
                .isEqualTo(io.sipstream.edge.sip.tcp.GuardedProcessorFactory.class.getName());
        assertThat(props.getProperty("gov.nist.javax.sip.MESSAGE_PARSER_FACTORY"))
                .isEqualTo(io.sipstream.edge.sip.CheckedMessageParserFactory.class.getName());
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.sip.tcp.message.timeout", "0s")))).hasMessageContaining("edge.sip.tcp.message.timeout");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.sip.tcp.idle.timeout", "-1s")))).hasMessageContaining("edge.sip.tcp.idle.timeout");
        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.sip.tcp.max.connections.per.source", "0"))))
                .hasMessageContaining("edge.sip.tcp.max.connections.per.source");
    }

    @Test
    void shouldKeepTcpConnectionsWithinTheProcessFileLimit() {
        var limits = new io.sipstream.edge.sip.tcp.ConnectionLimits(Integer.MAX_VALUE, 100, Duration.ofSeconds(10), Duration.ofHours(1));
        long descriptors = ((com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getMaxFileDescriptorCount();
        assertThat((long) EdgeService.withinDescriptorLimit(limits).maxConnections()).isLessThan(descriptors);
        var few = new io.sipstream.edge.sip.tcp.ConnectionLimits(100, 10, Duration.ofSeconds(10), Duration.ofHours(1));
        assertThat(EdgeService.withinDescriptorLimit(few)).isEqualTo(few);
    }

    @Test
    void shouldAcceptTheWildcardWithAnAdvertisedAddress() {
        EdgeConfig c = EdgeConfig.from(settings(Map.of("sip.host", "0.0.0.0", "sip.advertised.host", "203.0.113.5")));
        assertThat(c.advertisedHost()).isEqualTo("203.0.113.5");
    }

    @Test
    void shouldRefuseACaFileThatIsMissingOrHoldsNoCertificateOrComesWithoutAKeystore(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Map<String, String> tls = Map.of("edge.tls.keystore", dir.resolve("edge.p12").toString(), "edge.tls.keystore.password", "pw");
        Map<String, String> missing = new HashMap<>(tls);
        missing.put("edge.tls.trust.ca.file", dir.resolve("absent.pem").toString());
        assertThatThrownBy(() -> EdgeConfig.from(settings(missing))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("edge.tls.trust.ca.file").hasMessageContaining("absent.pem");

        java.nio.file.Path notPem = java.nio.file.Files.writeString(dir.resolve("notes.pem"), "not a certificate\n");
        Map<String, String> garbage = new HashMap<>(tls);
        garbage.put("edge.tls.trust.ca.file", notPem.toString());
        assertThatThrownBy(() -> EdgeConfig.from(settings(garbage))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("edge.tls.trust.ca.file").hasMessageContaining("notes.pem");

        assertThatThrownBy(() -> EdgeConfig.from(settings(Map.of("edge.tls.trust.ca.file", notPem.toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("edge.tls.keystore");
        assertThat(EdgeConfig.from(settings(tls)).tlsTrustCaFile()).as("the system's CAs only").isNull();
    }
}
