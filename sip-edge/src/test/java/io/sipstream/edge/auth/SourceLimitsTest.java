package io.sipstream.edge.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The per-source limits meet carriers and offices: a trunk's source has the trunk's rate, not a phone's, and is never
 * banned; failed authentication bans the source and user that failed, not every phone behind the same address.
 * Every peer here is on 127.0.0.1, the trunk's allow-list pins its ports: the address is shared, as behind a NAT.
 */
@ExtendWith(LocalStackExtension.class)
class SourceLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static String options(int port, int i) {
        return "OPTIONS sip:edge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKcarrier" + i
                + "\r\nFrom: <sip:carrier@x>;tag=c" + i + "\r\nTo: <sip:edge@127.0.0.1>\r\nCall-ID: carrier-burst-" + i
                + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    /** Sends a burst of OPTIONS from one socket and counts the answers. */
    private static int burst(DatagramSocket socket, int sipPort, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            byte[] b = options(socket.getLocalPort(), i).getBytes(StandardCharsets.UTF_8);
            socket.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), sipPort));
        }
        int answered = 0;
        socket.setSoTimeout(1000);
        try {
            while (true) {
                socket.receive(new DatagramPacket(new byte[4096], 4096));
                answered++;
            }
        } catch (SocketTimeoutException drained) {
            return answered;
        }
    }

    @Test
    void shouldGiveTrunksTheirOwnRateNeverBanThemAndBanOnlyTheUserThatFailed(LocalStack stack) throws Exception {
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "5", "edge.ratelimit.per.second", "20",
                "edge.auth.ban.after", "2", "edge.auth.ban.source.users", "3", "edge.auth.ban.duration", "1m"));
             DatagramSocket carrierSignalling = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             TestUserAgent carrier = TestUserAgent.start("limits-carrier");
             TestUserAgent bob = TestUserAgent.start("limits-bob");
             TestUserAgent alice = TestUserAgent.start("limits-alice");
             TestUserAgent scanner = TestUserAgent.start("limits-scanner")) {
            edge.publishTrunk(EdgeFixture.trunk("limits-t", carrier.port())
                    .setAllowedCidrs(List.of("127.0.0.1/32:" + carrierSignalling.getLocalPort(), "127.0.0.1/32:" + carrier.port())).build());
            edge.account("victim", "right", true);
            edge.account("bob", "bob-right", true);
            edge.account("alice", "alice-right", true);

            // Given a carrier sending far more than a phone's 20 requests a second (bursts of 40): every one is served
            assertThat(burst(carrierSignalling, edge.sipPort, 100)).as("a phone's rate would answer ~40").isEqualTo(100);

            // When REGISTERs with wrong passwords come from the carrier's own source address (forged, say)
            String registrar = "sip:127.0.0.1:" + edge.sipPort;
            for (int i = 0; i < 3; i++) assertThat(carrier.register(registrar, "victim", "guess" + i, 60, null).getStatusCode()).isEqualTo(403);
            // Then the carrier's source is not banned
            assertThat(carrier.register(registrar, "victim", "right", 60, null).getStatusCode()).isEqualTo(200);

            // When one phone behind the shared address keeps failing, it is banned ...
            assertThat(bob.call(edge.uri("+15551112222"), "bob", "wrong1").awaitFinal(WAIT).getStatusCode()).isEqualTo(403);
            assertThat(bob.call(edge.uri("+15551112222"), "bob", "wrong2").awaitFinal(WAIT).getStatusCode()).isEqualTo(403);
            var bobAgain = bob.call(edge.uri("+15551112222"), "bob", "bob-right");
            // ... but its neighbour is not
            assertThat(alice.register(registrar, "alice", "alice-right", 60, null).getStatusCode()).isEqualTo(200);
            Thread.sleep(1000); // nothing to wait for: a banned request gets no answer at all
            assertThat(bobAgain.statuses()).as("bob is banned").isEmpty();

            // When failures of three different users come from the address (a scanner), the whole address is banned
            assertThat(scanner.register(registrar, "admin", "admin", 60, null).getStatusCode()).isEqualTo(403);
            assertThat(scanner.register(registrar, "100", "100", 60, null).getStatusCode()).isEqualTo(403);
            var aliceAgain = alice.call(edge.uri("+15551112222"), "alice", "alice-right");
            Thread.sleep(1000);
            assertThat(aliceAgain.statuses()).as("the scanned address is banned").isEmpty();
            // ... except the carrier's source
            assertThat(carrier.register(registrar, "victim", "right", 60, null).getStatusCode()).isEqualTo(200);
            assertThat(edge.ctx.metrics().scrape()).contains("sipstream_edge_sip_dropped_total{reason=\"banned\"}");
        }
    }
}
