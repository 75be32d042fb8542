package io.sipstream.edge.relay;

import static io.sipstream.edge.support.FakeRouter.registered;
import static io.sipstream.edge.support.FakeRouter.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Direction;
import io.sipstream.edge.registrar.Binding;
import io.sipstream.edge.registrar.Bindings;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.RawSip;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStackExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two edges on one broker and one Redis: a phone registers at edge A, a carrier's call for it arrives at edge B, and
 * B sends the INVITE through A, which relays it down the flow the phone registered through (RFC 3327's Path).
 */
@ExtendWith(LocalStackExtension.class)
class PathRelayTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String SECRET = "edges-share-this-secret-0123";
    private static EdgeFixture edgeA;
    private static EdgeFixture edgeB;
    private static FakeRouter routerB;
    private TestUserAgent carrier;
    private TestUserAgent phone;

    @BeforeAll
    static void edges() throws Exception {
        var stack = LocalStackExtension.stack();
        String prefix = "pathrelay-" + System.nanoTime() + ":"; // both edges read and write the same bindings
        // ids no other test's edge or router answers for (the shared edge is 1)
        edgeA = EdgeFixture.start(stack, Map.of("edge.id", "2", "redis.prefix", prefix, "edge.peer.secret", SECRET));
        edgeB = EdgeFixture.start(stack, Map.of("edge.id", "4", "redis.prefix", prefix, "edge.peer.secret", SECRET));
        routerB = new FakeRouter(edgeB.kafka, 4);
    }

    @AfterAll
    static void stop() {
        if (routerB != null) routerB.close();
        if (edgeB != null) edgeB.close();
        if (edgeA != null) edgeA.close();
    }

    @BeforeEach
    void peers() throws Exception {
        carrier = TestUserAgent.start("carrier");
        phone = TestUserAgent.start("phone");
        edgeB.publishTrunk(EdgeFixture.trunk("path-t1", carrier.port()).setAllowedCidrs(List.of("127.0.0.1/32:" + carrier.port())).build());
        routerB.clear();
    }

    @AfterEach
    void close() {
        carrier.close();
        phone.close();
    }

    /** The phone, behind NAT: its Contact names a port nothing listens on, only its REGISTER's source reaches it. */
    private String registerBehindNatAtA(String account) throws Exception {
        edgeA.account(account, "pw-" + account, true);
        String contact = "sip:" + account + "@127.0.0.1:" + TestUserAgent.freeUdpPort();
        phone.advertise(contact);
        assertThat(phone.register(edgeA.uri(account), account, "pw-" + account, 300, contact).getStatusCode()).isEqualTo(200);
        routerB.policy(a -> a.getDirection() == Direction.INBOUND ? route(a, registered(account)).setAccountId(account).build() : null);
        return contact;
    }

    @Test
    void shouldRingAPhoneRegisteredAtAnotherEdgeThroughThatEdgeAndHangUpFromTheCarrier() throws Exception {
        String contact = registerBehindNatAtA("pat");
        List<Binding> bound = new Bindings(edgeA.redis, edgeA.keys).current("pat", System.currentTimeMillis());
        assertThat(bound).singleElement().satisfies(b -> {
            assertThat(b.edgeId()).isEqualTo(2);
            assertThat(b.edgeAddress()).isEqualTo("sip:127.0.0.1:" + edgeA.sipPort);
        });

        var call = carrier.call(edgeB.uri("+15550004000"), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        Request atPhone = phone.awaitRequest(Request.INVITE, WAIT);
        assertThat(atPhone.getRequestURI().toString()).as("the Contact stays the request-URI").isEqualTo(contact);
        assertThat(((ViaHeader) atPhone.getHeader(ViaHeader.NAME)).getPort()).as("the INVITE came from edge A").isEqualTo(edgeA.sipPort);
        assertThat(((RecordRouteHeader) atPhone.getHeader(RecordRouteHeader.NAME)).getAddress().getURI().toString())
                .as("edge A stays on the dialog's route").contains(":" + edgeA.sipPort);
        assertThat(atPhone.getHeader(PeerSignature.HEADER)).as("the signature is for edge A only").isNull();
        assertThat(phone.receivedWithin(Request.ACK, null, WAIT)).as("edge B's ACK reaches the phone through A").isTrue();
        assertThat(edgeA.edge.callsInProgress()).as("A relays; the call is B's").isZero();
        assertThat(edgeA.edge.relayedDialogs()).isPositive();

        call.bye();
        assertThat(phone.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        Awaitility.await().atMost(WAIT).until(() -> edgeB.edge.callsInProgress() == 0);
        assertThat(relayed(edgeA)).isPositive();
    }

    @Test
    void shouldCarryTheHangUpOfThePhoneBackToTheCarrier() throws Exception {
        registerBehindNatAtA("pia");
        var call = carrier.call(edgeB.uri("+15550004001"), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        TestUserAgent.IncomingCall rung = phone.awaitIncoming(WAIT);
        assertThat(phone.receivedWithin(Request.ACK, null, WAIT)).isTrue();

        rung.bye();
        assertThat(carrier.receivedWithin(Request.BYE, call.callId(), WAIT)).as("the phone's BYE went through A to B, and on").isTrue();
        Awaitility.await().atMost(WAIT).until(() -> edgeB.edge.callsInProgress() == 0);
    }

    @Test
    void shouldCarryTheCarriersCancelToTheRingingPhone() throws Exception {
        registerBehindNatAtA("pcx");
        phone.onInvite(TestUserAgent.IncomingCall::ring);
        var call = carrier.call(edgeB.uri("+15550004002"), "+15559990000", null);
        TestUserAgent.IncomingCall rung = phone.awaitIncoming(WAIT);
        call.awaitStatus(180, WAIT);

        call.cancel();
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(487);
        assertThat(phone.receivedWithin(Request.CANCEL, rung.callId(), WAIT)).as("B's CANCEL went through A, as its INVITE's transaction").isTrue();
        // the phone records the CANCEL before its handler marks the call cancelled: wait for the mark (a CI flake)
        Awaitility.await().atMost(WAIT).until(rung::cancelled);
        Awaitility.await().atMost(WAIT).until(() -> edgeB.edge.callsInProgress() == 0);
    }

    @Test
    void shouldReachAPhoneOverTheTcpConnectionItRegisteredOn() throws Exception {
        try (TestUserAgent tcpPhone = TestUserAgent.startTcp("tcp-phone", "127.0.0.1")) {
            edgeA.account("ptc", "pw-ptc", true);
            assertThat(tcpPhone.register(edgeA.uri("ptc") + ";transport=tcp", "ptc", "pw-ptc", 300, null).getStatusCode()).isEqualTo(200);
            routerB.policy(a -> a.getDirection() == Direction.INBOUND ? route(a, registered("ptc")).setAccountId("ptc").build() : null);

            var call = carrier.call(edgeB.uri("+15550004003"), "+15559990000", null);
            assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            TestUserAgent.IncomingCall rung = tcpPhone.awaitIncoming(WAIT);
            assertThat(((ViaHeader) rung.invite().getHeader(ViaHeader.NAME)).getTransport()).isEqualToIgnoringCase("tcp");
            assertThat(tcpPhone.receivedWithin(Request.ACK, null, WAIT)).isTrue();

            rung.bye(); // over TCP to A, which sends it on to B over UDP: the two Record-Routes
            assertThat(carrier.receivedWithin(Request.BYE, call.callId(), WAIT)).isTrue();
            Awaitility.await().atMost(WAIT).until(() -> edgeB.edge.callsInProgress() == 0);
        }
    }

    @Test
    void shouldRefuseARelayRequestThatIsNotSignedWithTheSecret() throws Exception {
        String contact = registerBehindNatAtA("pol");
        double refusedBefore = refused(edgeA);
        long now = System.currentTimeMillis() / 1000;

        String forged = relayInvite(contact, callId -> "t=" + now + ";a=pol;mac=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assertThat(forged).startsWith("SIP/2.0 403");
        String otherSecret = relayInvite(contact, callId -> new PeerSignature("not-the-edges-secret-000").sign(callId, contact, "pol", now));
        assertThat(otherSecret).startsWith("SIP/2.0 403");
        String stale = relayInvite(contact, callId -> new PeerSignature(SECRET).sign(callId, contact, "pol", now - 600));
        assertThat(stale).startsWith("SIP/2.0 403");
        String withoutHeader = relayInvite(contact, callId -> null);
        assertThat(withoutHeader).as("without the header it is an ordinary INVITE to A, which A does not relay").doesNotStartWith("SIP/2.0 2")
                .isNotEmpty();

        assertThat(refused(edgeA)).isEqualTo(refusedBefore + 3);
        assertThat(phone.receivedWithin(Request.INVITE, null, Duration.ofMillis(500))).as("nothing reached the phone").isFalse();
    }

    @Test
    void shouldRefuseToRelayToAContactThatIsNotBoundAtThisEdge() throws Exception {
        registerBehindNatAtA("pam");
        String elsewhere = "sip:pam@127.0.0.1:9"; // signed, but no binding of pam names it: not an open relay
        long now = System.currentTimeMillis() / 1000;
        String answer = relayInvite(elsewhere, callId -> new PeerSignature(SECRET).sign(callId, elsewhere, "pam", now));
        assertThat(answer).startsWith("SIP/2.0 480");
    }

    /** An INVITE to A for this request-URI, routed to A, with this relay header value (none when null); A's final status line. */
    private static String relayInvite(String requestUri, java.util.function.Function<String, String> header) throws Exception {
        String callId = UUID.randomUUID() + "@forger";
        String value = header.apply(callId);
        String invite = "INVITE " + requestUri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:%PORT%;branch=z9hG4bK" + UUID.randomUUID().toString().substring(0, 8) + ";rport\r\n"
                + "Route: <sip:127.0.0.1:" + edgeA.sipPort + ";lr>\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:forger@127.0.0.1>;tag=f1\r\n"
                + "To: <" + requestUri + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 INVITE\r\n"
                + "Contact: <sip:forger@127.0.0.1:%PORT%>\r\n"
                + (value == null ? "" : PeerSignature.HEADER + ": " + value + "\r\n")
                + "Content-Length: 0\r\n\r\n";
        return RawSip.send(edgeA.sipPort, invite, Duration.ofSeconds(5));
    }

    private static double refused(EdgeFixture edge) { return count(edge, "refused"); }

    private static double relayed(EdgeFixture edge) { return count(edge, "relayed"); }

    private static double count(EdgeFixture edge, String outcome) {
        return edge.ctx.metrics().get("sipstream.edge.relay.requests").tag("outcome", outcome).counter().count();
    }
}
