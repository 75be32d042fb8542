package io.sipstream.edge.sip;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestKeystore;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** SIP over TLS: an edge with a keystore made by keytool for this test, a JAIN-SIP client that trusts it. */
@ExtendWith(LocalStackExtension.class)
class TlsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String PASSWORD = TestKeystore.PASSWORD;

    private static Path keystore(Path dir) throws Exception { return TestKeystore.create(dir); }

    @Test
    void shouldAnswerOptionsAndCompleteACallOverTls(LocalStack stack, @TempDir Path dir) throws Exception {
        Path keystore = keystore(dir);
        int tlsPort = TestUserAgent.freeUdpPort();
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "6", "edge.tls.keystore", keystore.toString(),
                     "edge.tls.keystore.password", PASSWORD, "sip.tls.port", Integer.toString(tlsPort)));
             FakeRouter router = new FakeRouter(edge.kafka, 6);
             TestUserAgent phone = TestUserAgent.startTls("tls-phone", keystore, PASSWORD);
             TestUserAgent carrier = TestUserAgent.start("tls-carrier")) {
            assertThat(edge.edge.sipPorts()).containsEntry("tls", tlsPort);
            String edgeUri = "sip:%s@127.0.0.1:" + tlsPort + ";transport=tls";

            Response options = phone.options(edgeUri.formatted("ping"));
            assertThat(options.getStatusCode()).isEqualTo(200);
            assertThat(options.getHeader("Via").toString()).containsIgnoringCase("/TLS");
            java.util.List<String> allowed = new java.util.ArrayList<>();
            options.getHeaders("Allow").forEachRemaining(h -> allowed.add(((javax.sip.header.AllowHeader) h).getMethod()));
            assertThat(allowed).contains("INVITE", "REFER");

            edge.account("tls-ann", "pw-tls", true);
            edge.publishTrunk(EdgeFixture.trunk("tls-t1", carrier.port()).build());
            router.policy(a -> route(a, trunk("tls-t1", "sip:+15557654321@127.0.0.1:" + carrier.port(), null)).build());
            var call = phone.call(edgeUri.formatted("+15557654321"), "tls-ann", "pw-tls");
            Response answer = call.awaitFinal(WAIT);
            assertThat(answer.getStatusCode()).isEqualTo(200);
            assertThat(answer.getHeader("Contact").toString()).as("in-dialog requests come back over TLS").contains("transport=tls");
            assertThat(carrier.awaitRequest(Request.INVITE, WAIT)).isNotNull();
            call.bye();
            assertThat(carrier.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 120, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD) // a locked-out handshake never returns
    void shouldServeTlsWhileOneHostHoldsSilentConnectionsAndCloseThem(LocalStack stack, @TempDir Path dir) throws Exception {
        Path keystore = keystore(dir);
        int tlsPort = TestUserAgent.freeUdpPort();
        java.util.List<java.net.Socket> silent = new java.util.ArrayList<>();
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "6", "edge.tls.keystore", keystore.toString(),
                     "edge.tls.keystore.password", PASSWORD, "sip.tls.port", Integer.toString(tlsPort),
                     "edge.sip.max.tcp.connections", "100", "edge.sip.tcp.max.connections.per.source", "20",
                     "edge.sip.tcp.message.timeout", "3s"));
             TestUserAgent phone = TestUserAgent.startTls("tls-phone-2", "127.0.0.2", keystore, PASSWORD)) {
            // Given one host holding more silent connections to the TLS port than the edge takes in all (no handshake, nothing)
            for (int i = 0; i < 150; i++) {
                java.net.Socket s = new java.net.Socket();
                s.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
                try {
                    s.connect(new java.net.InetSocketAddress("127.0.0.1", tlsPort), 5000);
                    silent.add(s);
                } catch (java.net.SocketException resetWhileConnecting) {
                    s.close(); // refused at once: the edge's RST overtook the connect
                }
            }
            // When a phone on another address asks over TLS, Then it is answered
            Response options = phone.options("sip:ping@127.0.0.1:" + tlsPort + ";transport=tls");
            assertThat(options.getStatusCode()).isEqualTo(200);
            // ... and every silent connection is closed: at once past the host's 20, the others when no message came in 3 s
            long end = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            for (java.net.Socket s : silent) {
                s.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
                boolean closed;
                try {
                    closed = s.getInputStream().read() < 0;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    closed = false;
                } catch (java.io.IOException reset) {
                    closed = true;
                }
                assertThat(closed).as("silent TLS connection %s closed", s.getLocalSocketAddress()).isTrue();
            }
        } finally {
            for (java.net.Socket s : silent) s.close();
        }
    }
}
