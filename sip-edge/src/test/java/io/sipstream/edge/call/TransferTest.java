package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sip.message.Request;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * REFER from a trunk that allows transfers: the Refer-To target goes through the router as a new
 * attempt of the caller's account, the caller is connected to it (late offer: the new leg's
 * offer in a re-INVITE to the caller, the caller's answer in the ACK), and the referrer hears
 * of the progress in NOTIFYs before the edge hangs it up.
 */
@ExtendWith(SharedEdge.class)
class TransferTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;
    private TestUserAgent phone;
    private TestUserAgent transferor;
    private TestUserAgent target;

    TransferTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
    }

    @BeforeEach
    void peers() throws Exception {
        phone = TestUserAgent.start("phone");
        transferor = TestUserAgent.start("transferor");
        target = TestUserAgent.start("target");
        edge.publishTrunk(EdgeFixture.trunk("xfer-t1", transferor.port()).setAllowRefer(true).build());
        edge.publishTrunk(EdgeFixture.trunk("xfer-t2", target.port()).build());
        shared.router().clear();
    }

    @AfterEach
    void close() {
        shared.router().policy(a -> null);
        phone.close();
        transferor.close();
        target.close();
    }

    private TestUserAgent.IncomingCall answeredCall(String account, TestUserAgent.OutgoingCall[] out) throws Exception {
        edge.account(account, "pw-" + account, true);
        var call = phone.call(edge.uri("+15557654321"), account, "pw-" + account);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        out[0] = call;
        return transferor.awaitIncoming(WAIT);
    }

    private static List<String> notifications(TestUserAgent ua) {
        return ua.requests().stream().filter(r -> r.getMethod().equals(Request.NOTIFY)).map(TestUserAgent::body).toList();
    }

    /** The events of exactly this edge call id (the SIP Call-ID, or with a suffix such as {@code ;refer-1}). */
    private List<CallEvent> eventsOf(String id) {
        return shared.events().of(id).stream().filter(e -> e.getCallId().equals(id) || e.getCallId().endsWith(":" + id)).toList();
    }

    private void routeTransfersTo(Integer maxDurationSeconds) {
        shared.router().policy(a -> a.getRedirectOf() == null
                ? route(a, trunk("xfer-t1", "sip:+15557654321@127.0.0.1:" + transferor.port(), null)).build()
                : route(a, trunk("xfer-t2", "sip:" + a.getDialled() + "@127.0.0.1:" + target.port(), null))
                        .setDestination(a.getDialled()).setCallerId("+15550009999").setMaxDurationSeconds(maxDurationSeconds).build());
    }

    @Test
    void shouldConnectTheCallerToTheReferTargetThroughTheRouter() throws Exception {
        routeTransfersTo(null);
        TestUserAgent.OutgoingCall[] call = new TestUserAgent.OutgoingCall[1];
        var atTransferor = answeredCall("xfer-amy", call);

        assertThat(atTransferor.sendInDialog(Request.REFER, Map.of("Refer-To", "<sip:+15550002222@carrier.example>"))).isEqualTo(202);

        CallAttempt referred = shared.router().awaitAttempt(call[0].callId() + ";refer-1", WAIT);
        assertThat(referred.getAccountId()).isEqualTo("xfer-amy");
        assertThat(referred.getRedirectOf()).endsWith(":" + call[0].callId());
        assertThat(referred.getDialled()).isEqualTo("+15550002222");
        Request atTarget = target.awaitRequest(Request.INVITE, WAIT);
        assertThat(TestUserAgent.body(atTarget)).as("late offer: the target makes the offer").isNull();
        Request reinvite = phone.awaitRequest(Request.INVITE, WAIT);
        assertThat(TestUserAgent.body(reinvite)).as("the target's offer reaches the caller").contains("m=audio 50000");
        Request ack = target.awaitRequest(Request.ACK, WAIT);
        assertThat(TestUserAgent.body(ack)).as("the caller's answer reaches the target").isEqualTo(TestUserAgent.SDP);

        assertThat(transferor.receivedWithin(Request.BYE, null, WAIT)).as("the transferor is hung up").isTrue();
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(notifications(transferor))
                .containsSubsequence("SIP/2.0 100 Trying\r\n", "SIP/2.0 200 OK\r\n"));
        Request last = transferor.requests().stream().filter(r -> r.getMethod().equals(Request.NOTIFY)).reduce((a, b) -> b).orElseThrow();
        assertThat(last.getHeader("Subscription-State").toString()).contains("terminated");
        assertThat(last.getHeader("Event").toString()).contains("refer");
        assertThat(last.getHeader("Content-Type").toString()).contains("message/sipfrag");
        List<String> methods = transferor.methods();
        assertThat(methods.lastIndexOf(Request.NOTIFY)).as("hung up only after the final NOTIFY").isLessThan(methods.indexOf(Request.BYE));

        // billing: the original call ended at the transfer (the transferor, its callee, left) ...
        String id = call[0].callId();
        Awaitility.await().atMost(WAIT).until(() -> eventsOf(id).stream().anyMatch(e -> e.getType() == CallEventType.ENDED));
        CallEvent originalEnd = eventsOf(id).stream().filter(e -> e.getType() == CallEventType.ENDED).findFirst().orElseThrow();
        assertThat(originalEnd.getHangupBy()).isEqualTo(HangupParty.CALLEE);
        assertThat(originalEnd.getTrunkId()).isEqualTo("xfer-t1");
        assertThat(originalEnd.getDestination()).isEqualTo("+15557654321");

        // the caller now talks to the target: its BYE goes there
        call[0].bye();
        assertThat(target.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        // ... and the new leg is a call of its own, outbound to the transfer's destination
        String refer = id + ";refer-1";
        Awaitility.await().atMost(WAIT).until(() -> eventsOf(refer).stream().anyMatch(e -> e.getType() == CallEventType.ENDED));
        List<CallEvent> leg = eventsOf(refer);
        assertThat(leg).extracting(CallEvent::getType).doesNotContain(CallEventType.ATTEMPT)
                .containsSubsequence(CallEventType.ANSWERED, CallEventType.ENDED);
        assertThat(leg).allSatisfy(e -> {
            assertThat(e.getDirection()).isEqualTo(Direction.OUTBOUND);
            assertThat(e.getAccountId()).isEqualTo("xfer-amy");
        });
        CallEvent ended = leg.get(leg.size() - 1);
        assertThat(ended.getType()).isEqualTo(CallEventType.ENDED);
        assertThat(ended.getHangupBy()).isEqualTo(HangupParty.CALLER);
        assertThat(ended.getTrunkId()).isEqualTo("xfer-t2");
        assertThat(ended.getDestination()).isEqualTo("+15550002222");
        assertThat(ended.getCallerId()).isEqualTo("+15550009999");
        assertThat(ended.getAnsweredAt()).isAfterOrEqualTo(originalEnd.getEndedAt());
        assertThat(eventsOf(id)).extracting(CallEvent::getType).as("nothing more under the original id")
                .doesNotContain(CallEventType.INTERIM).filteredOn(t -> t == CallEventType.ENDED).hasSize(1);
    }

    @Test
    void shouldEndTheTransferredLegAtTheTransferVerdictsLimit() throws Exception {
        routeTransfersTo(2);
        TestUserAgent.OutgoingCall[] call = new TestUserAgent.OutgoingCall[1];
        var atTransferor = answeredCall("xfer-cy", call);

        assertThat(atTransferor.sendInDialog(Request.REFER, Map.of("Refer-To", "<sip:+15550004444@carrier.example>"))).isEqualTo(202);
        assertThat(transferor.receivedWithin(Request.BYE, null, WAIT)).as("the transferor is hung up").isTrue();
        long transferredAt = System.nanoTime();
        // nobody hangs up: the edge does, at the transfer verdict's 2 s
        assertThat(target.receivedWithin(Request.BYE, null, WAIT)).as("BYE to the transfer target").isTrue();
        assertThat(phone.receivedWithin(Request.BYE, call[0].callId(), WAIT)).as("BYE to the caller").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - transferredAt)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        String refer = call[0].callId() + ";refer-1";
        Awaitility.await().atMost(WAIT).until(() -> eventsOf(refer).stream().anyMatch(e -> e.getType() == CallEventType.ENDED));
        CallEvent ended = eventsOf(refer).stream().filter(e -> e.getType() == CallEventType.ENDED).findFirst().orElseThrow();
        assertThat(ended.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
        assertThat(ended.getReason()).isEqualTo("maximum call duration reached");
        assertThat(ended.getDurationMillis()).isBetween(1500L, 6000L);
        assertThat(eventsOf(refer)).extracting(CallEvent::getType).as("a capped transfer announces itself at its verdict")
                .containsSubsequence(CallEventType.ATTEMPT, CallEventType.ANSWERED, CallEventType.ENDED);
    }

    @Test
    void shouldTellTheTransferorWhenTheRouterRefusesTheTargetAndKeepTheCall() throws Exception {
        shared.router().policy(a -> a.getRedirectOf() == null
                ? route(a, trunk("xfer-t1", "sip:+15557654321@127.0.0.1:" + transferor.port(), null)).build()
                : FakeRouter.reject(a, 404, "no route to the transfer target"));
        TestUserAgent.OutgoingCall[] call = new TestUserAgent.OutgoingCall[1];
        var atTransferor = answeredCall("xfer-bo", call);

        assertThat(atTransferor.sendInDialog(Request.REFER, Map.of("Refer-To", "<sip:+15550003333@carrier.example>"))).isEqualTo(202);
        // the router's reason stays inside (issue 19): the transferor, a carrier, gets the status and a reference
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(notifications(transferor)).hasSizeGreaterThanOrEqualTo(2));
        String refer1 = call[0].callId() + ";refer-1";
        CallEvent refused = Awaitility.await().atMost(WAIT).until(() -> eventsOf(refer1).stream()
                .filter(e -> e.getType() == CallEventType.FAILED).findFirst().orElse(null), e -> e != null);
        assertThat(refused.getReason()).isEqualTo("no route to the transfer target");
        assertThat(refused.getRef()).matches("[a-z2-7]{8}");
        assertThat(notifications(transferor)).containsSubsequence("SIP/2.0 100 Trying\r\n",
                "SIP/2.0 404 Not found; ref=" + refused.getRef() + "\r\n");
        assertThat(target.receivedWithin(Request.INVITE, null, Duration.ofMillis(300))).isFalse();

        // the call goes on between the caller and the transferor
        assertThat(call[0].sendInDialog(Request.INFO, Map.of())).isEqualTo(200);
        assertThat(transferor.awaitRequest(Request.INFO, WAIT)).isNotNull();
        call[0].bye();
        assertThat(transferor.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        assertThat(shared.events().await(call[0].callId(), CallEventType.ENDED, WAIT).getTrunkId()).isEqualTo("xfer-t1");
        String refer = call[0].callId() + ";refer-1";
        assertThat(eventsOf(refer)).extracting(CallEvent::getType).as("the refused transfer's attempt")
                .containsExactly(CallEventType.FAILED);
        assertThat(eventsOf(call[0].callId())).extracting(CallEvent::getType).filteredOn(t -> t == CallEventType.ENDED).hasSize(1);
    }
}
