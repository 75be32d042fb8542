package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.Sipp;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIPp (Debian's sip-tester), a peer nobody here wrote, as the caller and as the trunk. Reported
 * as not run (with the install line) where sipp is missing; CI installs it.
 */
@ExtendWith(LocalStackExtension.class)
class SippCallTest {
    private static final String INSTALL = Sipp.INSTALL;
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static EdgeFixture edge;
    private static FakeRouter router;

    static Optional<Path> sipp() { return Sipp.find(); }

    @BeforeAll
    static void edge(LocalStack stack) throws Exception {
        Assumptions.assumeTrue(sipp().isPresent(), INSTALL);
        // SIPp reads only the first challenge and knows only MD5: this edge offers MD5 first
        edge = EdgeFixture.start(stack, Map.of("edge.id", "5", "edge.auth.algorithms", "MD5,SHA-256"));
        router = new FakeRouter(edge.kafka, 5);
    }

    @AfterAll
    static void close() {
        if (router != null) router.close();
        if (edge != null) edge.close();
    }

    private static Process sipp(Path workDir, String... args) throws Exception { return Sipp.start(workDir, args); }

    private static int await(Process p, Path workDir) throws Exception { return Sipp.await(p, workDir); }

    @Test
    void shouldCompleteACallFromSippAuthenticatingWithDigest() throws Exception {
        edge.account("sippuser", "sipp-pass", true);
        try (TestUserAgent carrier = TestUserAgent.start("sipp-carrier")) {
            edge.publishTrunk(EdgeFixture.trunk("sipp-out", carrier.port()).build());
            router.policy(a -> route(a, trunk("sipp-out", "sip:+15557654321@127.0.0.1:" + carrier.port(), "+15551230002")).build());
            Path work = Files.createTempDirectory("sipp-uac");
            Path scenario = work.resolve("uac_digest.xml");
            try (var in = SippCallTest.class.getResourceAsStream("/sipp/uac_digest.xml")) {
                Files.copy(in, scenario);
            }
            // SIPp digests sip:<remote_ip>:<remote_port>, the Request-URI without its user: the edge accepts that
            Process p = sipp(work, "-sf", scenario.toString(), "-s", "+15557654321", "-au", "sippuser", "-ap", "sipp-pass",
                    "-i", "127.0.0.1", "-p", Integer.toString(TestUserAgent.freeUdpPort()), "127.0.0.1:" + edge.sipPort);
            assertThat(await(p, work)).as("sipp exit code (0: the call completed)").isZero();
            Request atTrunk = carrier.awaitRequest(Request.INVITE, WAIT);
            assertThat(TestUserAgent.fromUser(atTrunk)).isEqualTo("+15551230002");
            assertThat(TestUserAgent.userOf(atTrunk, "P-Asserted-Identity")).isEqualTo("+15551230002");
            assertThat(carrier.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        }
    }

    @Test
    void shouldRefreshTheSessionOfASippTrunkThatLeavesTheRefreshingToTheEdge(LocalStack stack) throws Exception {
        // an edge of its own whose session timers run in seconds; SIPp answers Session-Expires: 4;refresher=uac
        try (EdgeFixture timed = EdgeFixture.start(stack, Map.of("edge.id", "6", "edge.session.expires", "4", "edge.session.min.se", "2"));
             FakeRouter timedRouter = new FakeRouter(timed.kafka, 6);
             TestUserAgent phone = TestUserAgent.start("sipp-timer-phone")) {
            timed.account("sipp-timer", "pw", true);
            int sippPort = TestUserAgent.freeUdpPort();
            timed.publishTrunk(EdgeFixture.trunk("sipp-timer", sippPort).build());
            timedRouter.policy(a -> route(a, trunk("sipp-timer", "sip:+15557654321@127.0.0.1:" + sippPort, "+15551230004")).build());
            Path work = Files.createTempDirectory("sipp-uas-timer");
            Path scenario = work.resolve("uas_session_timer.xml");
            try (var in = SippCallTest.class.getResourceAsStream("/sipp/uas_session_timer.xml")) {
                Files.copy(in, scenario);
            }
            // -aa: the edge's OPTIONS probes of the trunk are answered, not taken for a call that failed
            Process p = sipp(work, "-sf", scenario.toString(), "-aa", "-i", "127.0.0.1", "-p", Integer.toString(sippPort));
            try {
                awaitUdpBound(sippPort); // sipp binds its port (300 ms was not enough on a loaded machine: the call got 408)
                var call = phone.call(timed.uri("+15557654321"), "sipp-timer", "pw");
                assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
                Thread.sleep(3_000); // past half the interval: the edge's re-INVITE has been answered
                call.bye();
                assertThat(await(p, work)).as("sipp exit code (0: INVITE, the edge's refresh, then the BYE)").isZero();
            } finally {
                p.destroy();
            }
        }
    }

    @Test
    void shouldCompleteACallToSippAsTheTrunk() throws Exception {
        edge.account("to-sipp", "pw", true);
        int sippPort = TestUserAgent.freeUdpPort();
        edge.publishTrunk(EdgeFixture.trunk("sipp-uas", sippPort).setOptionsInterval(0).build()); // SIPp -m 1 may take a probe for its one call
        router.policy(a -> route(a, trunk("sipp-uas", "sip:+15557654321@127.0.0.1:" + sippPort, "+15551230003")).build());
        Path work = Files.createTempDirectory("sipp-uas");
        Process p = sipp(work, "-sn", "uas", "-aa", "-i", "127.0.0.1", "-p", Integer.toString(sippPort));
        try (TestUserAgent phone = TestUserAgent.start("to-sipp-phone")) {
            awaitUdpBound(sippPort); // sipp binds its port
            var call = phone.call(edge.uri("+15557654321"), "to-sipp", "pw");
            assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            call.bye();
            assertThat(await(p, work)).as("sipp exit code (0: the call completed)").isZero();
        } finally {
            p.destroy();
        }
    }

    /** Waits until something listens on this UDP port of 127.0.0.1 (the test can no longer bind it). */
    private static void awaitUdpBound(int port) { Sipp.awaitUdpBound(port, WAIT); }
}
