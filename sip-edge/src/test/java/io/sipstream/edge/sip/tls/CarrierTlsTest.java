package io.sipstream.edge.sip.tls;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sipstream.avro.Transport;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestCa;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * TLS to a carrier whose certificate a private CA signed (made in the test): the edge trusts it only through
 * edge.tls.trust.ca.file, and only for the name the trunk is provisioned with. A failed handshake is logged with the
 * reason and the hunt goes on to the next trunk.
 */
@ExtendWith(LocalStackExtension.class)
class CarrierTlsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String DIALLED = "+15557654321";

    @TempDir Path dir;
    private TestCa ca;
    private Path edgeKeystore;
    private final ListAppender<ILoggingEvent> tlsLog = new ListAppender<>();
    private final Logger channelLogger = (Logger) LoggerFactory.getLogger("io.sipstream.edge.sip.tcp.GuardedTlsChannel");

    @BeforeEach
    void certificates() throws Exception {
        ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
        edgeKeystore = ca.selfSigned("edge", "ip:127.0.0.1"); // without the CA: its certificates are trusted too
        tlsLog.start();
        channelLogger.addAppender(tlsLog);
    }

    @AfterEach
    void detachLog() { channelLogger.detachAppender(tlsLog); }

    private EdgeFixture edge(LocalStack stack, boolean withCaFile) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("edge.id", "6", "edge.tls.keystore", edgeKeystore.toString(),
                "edge.tls.keystore.password", TestCa.PASSWORD, "sip.tls.port", Integer.toString(TestUserAgent.freeUdpPort()),
                // a failed handshake leaves the INVITE unanswered: the hunt moves on after this
                "edge.target.timeout", "2s"));
        if (withCaFile) settings.put("edge.tls.trust.ca.file", ca.pem.toString());
        return EdgeFixture.start(stack, settings);
    }

    /** A trunk over TLS to {@code host}, not probed (the calls are what the test looks at). */
    private static io.sipstream.avro.Trunk tlsTrunk(String id, String host, int port) {
        return EdgeFixture.trunk(id, port).setHost(host).setTransport(Transport.TLS).setOptionsInterval(0).build();
    }

    @Test
    void shouldCallATrunkWhoseCertificateTheOperatorsCaSignedAndRefuseOneForAnotherName(LocalStack stack) throws Exception {
        Path carrierKeystore = ca.issue("carrier", "dns:localhost");
        try (EdgeFixture edge = edge(stack, true);
             FakeRouter router = new FakeRouter(edge.kafka, 6);
             TestUserAgent carrier = TestUserAgent.startTls("ca-carrier", carrierKeystore, TestCa.PASSWORD);
             TestUserAgent misnamed = TestUserAgent.startTls("ca-misnamed", carrierKeystore, TestCa.PASSWORD);
             TestUserAgent fallback = TestUserAgent.start("ca-fallback");
             TestUserAgent phone = TestUserAgent.start("ca-phone")) {
            edge.account("ca-ann", "pw-ca", true);
            // Given a trunk provisioned as localhost, whose certificate names localhost
            edge.publishTrunk(tlsTrunk("tls-named", "localhost", carrier.port()));
            router.policy(a -> route(a, trunk("tls-named", "sip:" + DIALLED + "@localhost:" + carrier.port() + ";transport=tls", null)).build());

            // When a phone calls out on it, Then the call is answered over TLS
            var call = phone.call(edge.uri(DIALLED), "ca-ann", "pw-ca");
            assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            Request invite = carrier.awaitRequest(Request.INVITE, WAIT);
            assertThat(invite.getHeader("Via").toString()).containsIgnoringCase("/TLS");
            call.bye();
            assertThat(carrier.receivedWithin(Request.BYE, null, WAIT)).isTrue();

            // Given the same certificate on a trunk provisioned by its address, which the certificate does not name
            edge.publishTrunk(tlsTrunk("tls-misnamed", "127.0.0.1", misnamed.port()));
            edge.publishTrunk(EdgeFixture.trunk("udp-fallback", fallback.port()).setOptionsInterval(0).build());
            router.policy(a -> route(a,
                    trunk("tls-misnamed", "sip:" + DIALLED + "@127.0.0.1:" + misnamed.port() + ";transport=tls", null),
                    trunk("udp-fallback", "sip:" + DIALLED + "@127.0.0.1:" + fallback.port(), null)).build());

            // When a phone calls, Then nothing reaches that trunk, the reason is logged, and the next trunk gets the call
            var second = phone.call(edge.uri(DIALLED), "ca-ann", "pw-ca");
            assertThat(second.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            assertThat(fallback.awaitRequest(Request.INVITE, WAIT)).isNotNull();
            assertThat(misnamed.methods()).doesNotContain(Request.INVITE);
            assertThat(warnings()).anySatisfy(line -> assertThat(line)
                    .contains("TLS to 127.0.0.1 (127.0.0.1:" + misnamed.port() + ") failed").containsIgnoringCase("127.0.0.1 found"));
            second.bye();
        }
    }

    @Test
    void shouldNotTrustAPrivateCaWithoutTheCaFileAndTellTheCallerWhenNoTrunkIsLeft(LocalStack stack) throws Exception {
        Path carrierKeystore = ca.issue("carrier", "dns:localhost");
        try (EdgeFixture edge = edge(stack, false);
             FakeRouter router = new FakeRouter(edge.kafka, 6);
             TestUserAgent carrier = TestUserAgent.startTls("noca-carrier", carrierKeystore, TestCa.PASSWORD);
             TestUserAgent phone = TestUserAgent.start("noca-phone")) {
            edge.account("noca-ann", "pw-noca", true);
            // Given a trunk whose certificate only the (unconfigured) operator CA signed
            edge.publishTrunk(tlsTrunk("tls-unknown-ca", "localhost", carrier.port()));
            router.policy(a -> route(a, trunk("tls-unknown-ca", "sip:" + DIALLED + "@localhost:" + carrier.port() + ";transport=tls", null)).build());

            // When a phone calls on it, Then the caller gets an error, the carrier nothing, and the log says why
            Response answer = phone.call(edge.uri(DIALLED), "noca-ann", "pw-noca").awaitFinal(WAIT);
            assertThat(answer.getStatusCode()).isGreaterThanOrEqualTo(400);
            assertThat(carrier.methods()).doesNotContain(Request.INVITE);
            Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(line -> assertThat(line)
                    .contains("TLS to localhost (127.0.0.1:" + carrier.port() + ") failed").containsIgnoringCase("PKIX")));
        }
    }

    private List<String> warnings() {
        synchronized (tlsLog) {
            return tlsLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
