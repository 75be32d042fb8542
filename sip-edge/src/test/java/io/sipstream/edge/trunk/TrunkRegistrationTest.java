package io.sipstream.edge.trunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.Direction;
import io.sipstream.edge.auth.DigestMath;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.edge.support.TestUserAgent.RegisterAnswer;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.SipFactory;
import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.message.Request;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The edge registered at providers (trunks with register=true), each provider a JAIN-SIP registrar of the test's:
 * the digest in the trunk's realm, the refresh before the binding expires, the retry after a refusal or silence,
 * and the provider's calls told by that registration rather than by an allow-list.
 */
@ExtendWith(LocalStackExtension.class)
class TrunkRegistrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String REALM = "provider.example";

    /** A REGISTER of the edge's that the registrar got, and when. */
    private record Seen(Request request, long atNanos) {}

    private static boolean authorized(Request r) { return r.getHeader(AuthorizationHeader.NAME) != null; }

    /** Whether the Authorization is a right MD5 digest of edge-user's password in the provider's realm. */
    private static boolean rightDigest(Request r, String password) {
        AuthorizationHeader auth = (AuthorizationHeader) r.getHeader(AuthorizationHeader.NAME);
        if (auth == null || !REALM.equals(auth.getRealm())) return false;
        String ha1 = DigestMath.ha1("MD5", auth.getUsername(), REALM, password);
        String expected = DigestMath.response("MD5", ha1, auth.getNonce(), "00000001", auth.getCNonce(), auth.getQop(),
                Request.REGISTER, auth.getURI().toString());
        return expected.equals(auth.getResponse());
    }

    private static EdgeFixture edge(LocalStack stack) throws Exception {
        // a REGISTER unanswered this long is retried (edge.target.timeout)
        return EdgeFixture.start(stack, Map.of("edge.id", "6", "edge.target.timeout", "2s"));
    }

    private static void registerAt(EdgeFixture edge, String trunkId, TestUserAgent registrar, String password) throws Exception {
        edge.trunkCredentials(trunkId, "edge-user", password, REALM);
        edge.publishTrunk(EdgeFixture.trunk(trunkId, registrar.port()).setRegister(true).setHasCredentials(true)
                .setOptionsInterval(0).build());
    }

    private static String status(EdgeFixture edge) {
        return edge.ctx.health().check().checks().get("sip-edge.upstream-registrations").detail();
    }

    @Test
    void shouldDigestInTheTrunksRealmRefreshBeforeExpiryAndRetryAfterARefusalOrSilence(LocalStack stack) throws Exception {
        List<Seen> refreshed = new CopyOnWriteArrayList<>();
        List<Seen> refused = new CopyOnWriteArrayList<>();
        List<Seen> ignored = new CopyOnWriteArrayList<>();
        AtomicInteger refusals = new AtomicInteger();
        AtomicInteger silences = new AtomicInteger();
        try (EdgeFixture edge = edge(stack);
             // challenges in two realms, the stronger algorithm in the other one; grants 10 s
             TestUserAgent realms = TestUserAgent.start("reg-realms").onRegister(r -> {
                 refreshed.add(new Seen(r, System.nanoTime()));
                 if (!authorized(r)) {
                     return RegisterAnswer.challenge("Digest realm=\"other.example\", nonce=\"n-other\", algorithm=SHA-256, qop=\"auth\"",
                             "Digest realm=\"" + REALM + "\", nonce=\"n-provider\", algorithm=MD5, qop=\"auth\"");
                 }
                 return rightDigest(r, "pw-realms") ? RegisterAnswer.ok(10) : RegisterAnswer.status(403);
             });
             // refuses the first authenticated REGISTER 403, accepts the next
             TestUserAgent refusing = TestUserAgent.start("reg-403").onRegister(r -> {
                 refused.add(new Seen(r, System.nanoTime()));
                 if (!authorized(r)) return RegisterAnswer.challenge("Digest realm=\"" + REALM + "\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"");
                 return refusals.getAndIncrement() == 0 ? RegisterAnswer.status(403) : RegisterAnswer.ok(300);
             });
             // says nothing to the first REGISTER, then challenges and accepts
             TestUserAgent silent = TestUserAgent.start("reg-silent").onRegister(r -> {
                 ignored.add(new Seen(r, System.nanoTime()));
                 if (silences.getAndIncrement() == 0) return RegisterAnswer.silence();
                 if (!authorized(r)) return RegisterAnswer.challenge("Digest realm=\"" + REALM + "\", nonce=\"n2\", algorithm=MD5, qop=\"auth\"");
                 return RegisterAnswer.ok(300);
             })) {
            registerAt(edge, "reg-realms", realms, "pw-realms");
            registerAt(edge, "reg-403", refusing, "pw-403");
            registerAt(edge, "reg-silent", silent, "pw-silent");

            // the digest answers the trunk's realm, not the stronger algorithm of another; refreshed before its 10 s end
            Awaitility.await().atMost(WAIT).until(() -> refreshed.stream().filter(s -> authorized(s.request())).count() >= 2);
            List<Seen> authorizedRegisters = refreshed.stream().filter(s -> authorized(s.request())).toList();
            assertThat(authorizedRegisters).allSatisfy(s -> assertThat(rightDigest(s.request(), "pw-realms")).isTrue());
            long refreshAfter = authorizedRegisters.get(1).atNanos() - authorizedRegisters.get(0).atNanos();
            assertThat(Duration.ofNanos(refreshAfter)).as("refreshed before the binding expired").isLessThan(Duration.ofSeconds(10));

            // a 403 and an unanswered REGISTER are retried (after 5 s), and the registration then stands
            Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(status(edge))
                    .contains("reg-403=REGISTERED", "reg-silent=REGISTERED", "reg-realms=REGISTERED"));
            assertThat(refusals.get()).isEqualTo(2);
            assertThat(refused).hasSizeGreaterThanOrEqualTo(4); // challenged, refused, challenged, accepted
            assertThat(Duration.ofNanos(refused.get(2).atNanos() - refused.get(1).atNanos())).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
            assertThat(ignored).hasSizeGreaterThanOrEqualTo(3); // unanswered, challenged, accepted
            assertThat(authorized(ignored.get(0).request())).isFalse();
        }
    }

    @Test
    void shouldTakeTheProvidersCallsByTheRegistrationForTheNumberTheyCarry(LocalStack stack) throws Exception {
        HeaderFactory headers = SipFactory.getInstance().createHeaderFactory();
        try (EdgeFixture edge = edge(stack);
             FakeRouter router = new FakeRouter(edge.kafka, 6);
             TestUserAgent provider = TestUserAgent.start("prov-registrar").onRegister(r -> authorized(r) ? RegisterAnswer.ok(300)
                     : RegisterAnswer.challenge("Digest realm=\"" + REALM + "\", nonce=\"n3\", algorithm=MD5, qop=\"auth\""));
             TestUserAgent gateway = TestUserAgent.startUdp("prov-gateway", "127.0.0.2");
             TestUserAgent stranger = TestUserAgent.startUdp("prov-stranger", "127.0.0.3")) {
            router.policy(a -> FakeRouter.reject(a, 404, "not ours"));
            registerAt(edge, "prov-t1", provider, "pw-prov");
            Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(status(edge)).contains("prov-t1=REGISTERED"));
            SipURI contact = (SipURI) ((ContactHeader) provider.requests().getLast().getHeader(ContactHeader.NAME)).getAddress().getURI();
            assertThat(contact.getParameter("line")).as("a token of the registration's").hasSizeGreaterThanOrEqualTo(16);

            // Given the provider's media gateway, on an address no allow-list names, sending to the registered Contact
            // with the number in To: an inbound call of the trunk, for that number
            var fromGateway = gateway.call(contact.toString(), "+15559990001", null, Map.of(), c -> setTo(c, headers, "+15550001001"));
            CallAttempt byContact = router.awaitAttempt(fromGateway.callId(), WAIT);
            assertThat(byContact.getDirection()).isEqualTo(Direction.INBOUND);
            assertThat(byContact.getSourceTrunkId()).isEqualTo("prov-t1");
            assertThat(byContact.getDialled()).isEqualTo("+15550001001");
            assertThat(fromGateway.awaitFinal(WAIT).getStatusCode()).isEqualTo(404);

            // Given the registrar itself, to the edge's account name without the token, the number in P-Called-Party-ID
            String plain = "sip:edge-user@127.0.0.1:" + edge.sipPort;
            var fromRegistrar = provider.call(plain, "+15559990002", null,
                    Map.of("P-Called-Party-ID", "<sip:+15550001002@" + REALM + ">"), c -> setTo(c, headers, "edge-user"));
            CallAttempt bySource = router.awaitAttempt(fromRegistrar.callId(), WAIT);
            assertThat(bySource.getSourceTrunkId()).isEqualTo("prov-t1");
            assertThat(bySource.getDialled()).isEqualTo("+15550001002");

            // Given anyone else naming the account without the token: not the provider, so it must authenticate
            var fromStranger = stranger.call(plain, "+15559990003", null, Map.of(), c -> setTo(c, headers, "+15550001003"));
            assertThat(fromStranger.awaitFinal(WAIT).getStatusCode()).isEqualTo(401);
            assertThat(router.attemptsOf(fromStranger.callId())).isEmpty();
        }
    }

    private static void setTo(TestUserAgent.OutgoingCall call, HeaderFactory headers, String user) {
        try {
            call.request().setHeader(headers.createHeader("To", "<sip:" + user + "@" + REALM + ">"));
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
