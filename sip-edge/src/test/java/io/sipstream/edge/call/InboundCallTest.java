package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.registered;
import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.uri;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import java.util.List;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Inbound calls from a carrier on a trunk's allow-list to the softphones registered for the number's owner. */
@ExtendWith(SharedEdge.class)
class InboundCallTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;
    private TestUserAgent carrier;
    private TestUserAgent phone;

    InboundCallTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
    }

    @BeforeEach
    void peers() throws Exception {
        carrier = TestUserAgent.start("carrier");
        phone = TestUserAgent.start("phone");
        // the port pins the allow-list to the carrier alone: every test peer shares 127.0.0.1
        edge.publishTrunk(EdgeFixture.trunk("in-t1", carrier.port()).setAllowedCidrs(List.of("127.0.0.1/32:" + carrier.port())).build());
        shared.router().clear();
    }

    @AfterEach
    void close() {
        carrier.close();
        phone.close();
    }

    @Test
    void shouldRingARegisteredSoftphoneForAnInboundCall() throws Exception {
        edge.account("ina", "pw-ina", true);
        assertThat(phone.register(edge.uri("ina"), "ina", "pw-ina", 300, null).getStatusCode()).isEqualTo(200);
        shared.router().policy(a -> a.getDirection() == Direction.INBOUND
                ? route(a, registered("ina")).setAccountId("ina").build() : null);

        var call = carrier.call(edge.uri("+15550001000"), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(call.statuses()).doesNotContain(401, 407);
        Request atPhone = phone.awaitRequest(Request.INVITE, WAIT);
        assertThat(TestUserAgent.body(atPhone)).isEqualTo(TestUserAgent.SDP);

        CallAttempt attempt = shared.router().awaitAttempt(call.callId(), WAIT);
        assertThat(attempt.getDirection()).isEqualTo(Direction.INBOUND);
        assertThat(attempt.getSourceTrunkId()).isEqualTo("in-t1");
        assertThat(attempt.getAccountId()).isNull();
        assertThat(attempt.getDialled()).isEqualTo("+15550001000");
        assertThat(shared.events().await(call.callId(), CallEventType.ANSWERED, WAIT).getAccountId()).isEqualTo("ina");

        call.bye();
        assertThat(phone.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldReachAPhoneBehindNatWhereItsRegisterCameFrom() throws Exception {
        edge.account("nat", "pw-nat", true);
        String contact = "sip:nat@127.0.0.1:" + TestUserAgent.freeUdpPort(); // what a phone behind NAT believes its address is
        phone.advertise(contact);
        assertThat(phone.register(edge.uri("nat"), "nat", "pw-nat", 300, contact).getStatusCode()).isEqualTo(200);
        shared.router().policy(a -> a.getDirection() == Direction.INBOUND
                ? route(a, registered("nat")).setAccountId("nat").build() : null);

        var call = carrier.call(edge.uri("+15550001000"), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        Request atPhone = phone.awaitRequest(Request.INVITE, WAIT);
        assertThat(atPhone.getRequestURI().toString()).as("the Contact stays the request-URI").isEqualTo(contact);
        assertThat(phone.receivedWithin(Request.ACK, null, WAIT)).as("in-dialog requests find the phone too").isTrue();

        call.bye();
        assertThat(phone.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> edge.edge.natPinnedCalls() == 0);
    }

    @Test
    void shouldRingEveryContactAtOnceAndCancelTheOthersWhenOneAnswers() throws Exception {
        edge.account("jon", "pw-jon", true);
        try (TestUserAgent desk = TestUserAgent.start("desk")) {
            phone.onInvite(TestUserAgent.IncomingCall::ring);
            desk.onInvite(c -> {
                c.ring();
                try {
                    Thread.sleep(300); // both ring before this one answers
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                c.respond(200);
            });
            assertThat(phone.register(edge.uri("jon"), "jon", "pw-jon", 300, null).getStatusCode()).isEqualTo(200);
            assertThat(desk.register(edge.uri("jon"), "jon", "pw-jon", 300, null).getStatusCode()).isEqualTo(200);
            shared.router().policy(a -> route(a, registered("jon")).setAccountId("jon").build());

            var call = carrier.call(edge.uri("+15550002000"), "+15559990000", null);
            assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            var rung = phone.awaitIncoming(WAIT);
            assertThat(desk.awaitIncoming(WAIT)).isNotNull();
            assertThat(phone.receivedWithin(Request.CANCEL, rung.callId(), WAIT)).isTrue();
            call.bye();
            assertThat(desk.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        }
    }

    @Test
    void shouldForwardToTheNoAnswerTargetWhenNobodyAnswersInTime() throws Exception {
        edge.account("kim", "pw-kim", true);
        try (TestUserAgent voicemail = TestUserAgent.start("voicemail")) {
            phone.onInvite(TestUserAgent.IncomingCall::ring);
            assertThat(phone.register(edge.uri("kim"), "kim", "pw-kim", 300, null).getStatusCode()).isEqualTo(200);
            shared.router().policy(a -> route(a, registered("kim")).setAccountId("kim").setNoAnswerSeconds(1)
                    .setNoAnswerTargets(List.of(uri("sip:vm-kim@127.0.0.1:" + voicemail.port()))).build());

            var call = carrier.call(edge.uri("+15550003000"), "+15559990000", null);
            var rung = phone.awaitIncoming(WAIT);
            assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            assertThat(voicemail.awaitRequest(Request.INVITE, WAIT).getRequestURI().toString()).contains("vm-kim");
            assertThat(phone.receivedWithin(Request.CANCEL, rung.callId(), WAIT)).isTrue();
            call.bye();
        }
    }

    @Test
    void shouldRingABlockedAccountsPhonesAndKeepItsReceivedCallButNotForwardItOverATrunk() throws Exception {
        // a block stops what the account pays for (its calls out, a forward over a trunk), not the calls it receives
        edge.account("blk", "pw-blk", true);
        assertThat(phone.register(edge.uri("blk"), "blk", "pw-blk", 300, null).getStatusCode()).isEqualTo(200);
        try (TestUserAgent forwardTrunk = TestUserAgent.start("forward-trunk")) {
            edge.publishTrunk(EdgeFixture.trunk("in-fwd", forwardTrunk.port()).build());
            shared.router().policy(a -> {
                if (a.getDirection() == Direction.OUTBOUND) return route(a, FakeRouter.trunk("in-fwd",
                        "sip:+15557654321@127.0.0.1:" + forwardTrunk.port(), "+15550005000")).build();
                if (a.getDialled().equals("+15550005001")) return route(a, FakeRouter.trunk("in-fwd",
                        "sip:+15557654321@127.0.0.1:" + forwardTrunk.port(), "+15559990000")).setAccountId("blk").build();
                return route(a, registered("blk")).setAccountId("blk").setNoAnswerSeconds(1).setNoAnswerTargets(List.of(
                        FakeRouter.trunk("in-fwd", "sip:+15557654321@127.0.0.1:" + forwardTrunk.port(), "+15559990000"))).build();
            });

            // an answered forward over a trunk ends when billing blocks the account
            var forwarded = carrier.call(edge.uri("+15550005001"), "+15559990000", null);
            assertThat(forwarded.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            edge.block("blk", true, 402);
            assertThat(carrier.receivedWithin(Request.BYE, forwarded.callId(), WAIT)).isTrue();
            assertThat(forwardTrunk.receivedWithin(Request.BYE, null, WAIT)).isTrue();
            // the account's own calls out are refused as before
            org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() ->
                    assertThat(phone.call(edge.uri("+15557654321"), "blk", "pw-blk").awaitFinal(WAIT).getStatusCode()).isEqualTo(402));

            // a call it receives still rings its phone, past the no-answer time (its no-answer target is a trunk), and is answered
            phone.onInvite(TestUserAgent.IncomingCall::ring);
            forwardTrunk.clear();
            var call = carrier.call(edge.uri("+15550005000"), "+15559990000", null);
            var rung = phone.awaitIncoming(WAIT);
            assertThat(forwardTrunk.receivedWithin(Request.INVITE, null, Duration.ofMillis(2_000))).isFalse();
            assertThat(phone.receivedWithin(Request.CANCEL, rung.callId(), Duration.ofMillis(100))).isFalse();
            rung.respond(200);
            assertThat(call.awaitFinal(WAIT).getStatusCode()).as("%s", call.statuses()).isEqualTo(200);
            // and a new decision of billing's does not hang it up
            edge.block("blk", true, 402);
            assertThat(carrier.receivedWithin(Request.BYE, call.callId(), Duration.ofSeconds(2))).isFalse();
            assertThat(phone.receivedWithin(Request.BYE, null, Duration.ofMillis(100))).isFalse();
            call.bye();
            assertThat(phone.receivedWithin(Request.BYE, null, WAIT)).isTrue();

            // a received call forwarded over a trunk is refused with the block's status, the trunk never sees it
            forwardTrunk.clear();
            var refused = carrier.call(edge.uri("+15550005001"), "+15559990000", null);
            assertThat(refused.awaitFinal(WAIT).getStatusCode()).isEqualTo(402);
            assertThat(forwardTrunk.receivedWithin(Request.INVITE, null, Duration.ofMillis(500))).isFalse();
        } finally {
            edge.block("blk", false, 402);
        }
    }

    @Test
    void shouldAnswer480WhenTheOwnerHasNoRegisteredContact() throws Exception {
        edge.account("lou", "pw-lou", true);
        shared.router().policy(a -> route(a, registered("lou")).setAccountId("lou").build());
        var call = carrier.call(edge.uri("+15550004000"), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(480);
    }

    @Test
    void shouldChallengeAnInviteFromASourceOnNoAllowList() throws Exception {
        shared.router().policy(a -> route(a, registered("ina")).build());
        var call = phone.call(edge.uri("+15550001000"), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(401);
    }
}
