package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.header.extensions.SessionExpiresHeader;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.EventTap;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sip.message.Message;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Session timers (RFC 4028) on both legs of a call, with JAIN-SIP peers on both sides: what each leg
 * negotiates, the edge's refreshes where it is the refresher, and the end of a call whose peer stops
 * refreshing or answering, at that peer's last proof of life (not at edge.max.call.duration, 4 h here).
 * An edge of its own whose session interval is 6 s (Min-SE 2 s: seconds, where RFC 4028 means minutes).
 */
@ExtendWith(LocalStackExtension.class)
class SessionTimerTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String ALLOW_UPDATE = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE";
    private static EdgeFixture edge;
    private static FakeRouter router;
    private static EventTap events;
    private TestUserAgent phone;
    private TestUserAgent carrier;

    @BeforeAll
    static void edge(LocalStack stack) throws Exception {
        edge = EdgeFixture.start(stack, Map.of("edge.id", "2", "edge.session.expires", "6", "edge.session.min.se", "2"));
        router = new FakeRouter(edge.kafka, 2);
        events = new EventTap(edge.kafka);
        edge.account("timed", "pw-timed", true);
    }

    @AfterAll
    static void close() {
        if (events != null) events.close();
        if (router != null) router.close();
        if (edge != null) edge.close();
    }

    @BeforeEach
    void peers() throws Exception {
        phone = TestUserAgent.start("st-phone");
        carrier = TestUserAgent.start("st-carrier");
        edge.publishTrunk(EdgeFixture.trunk("st-t1", carrier.port()).build());
        router.policy(a -> route(a, trunk("st-t1", "sip:+15557654321@127.0.0.1:" + carrier.port(), "+15551230001")).build());
    }

    @AfterEach
    void closePeers() {
        phone.close();
        carrier.close();
    }

    private static SessionExpiresHeader sessionExpires(Message m) {
        return (SessionExpiresHeader) m.getHeader(SessionExpiresHeader.NAME);
    }

    private static String header(Message m, String name) { return m.getHeader(name) == null ? null : m.getHeader(name).toString().trim(); }

    private List<Request> received(TestUserAgent agent, String method) {
        return agent.requests().stream().filter(r -> r.getMethod().equals(method)).toList();
    }

    /** Re-INVITEs: INVITEs inside a dialog (with a To tag). */
    private List<Request> reinvites(TestUserAgent agent) {
        return received(agent, Request.INVITE).stream()
                .filter(r -> ((javax.sip.header.ToHeader) r.getHeader(javax.sip.header.ToHeader.NAME)).getTag() != null).toList();
    }

    @Test
    void shouldNegotiateEachLegsSessionTimerAndRefuseAnIntervalBelowMinSe() throws Exception {
        var tooShort = phone.call(edge.uri("+15557654321"), "timed", "pw-timed", Map.of("Supported", "timer", "Session-Expires", "1"));
        Response refused = tooShort.awaitFinal(WAIT);
        assertThat(refused.getStatusCode()).isEqualTo(422);
        assertThat(header(refused, "Min-SE")).isEqualTo("Min-SE: 2");
        assertThat(carrier.receivedWithin(Request.INVITE, null, Duration.ofMillis(300))).isFalse();

        carrier.onInvite(c -> c.respond(200, Map.of("Session-Expires", "30;refresher=uas", "Supported", "timer", "Require", "timer")));
        var call = phone.call(edge.uri("+15557654321"), "timed", "pw-timed",
                Map.of("Supported", "timer", "Session-Expires", "10;refresher=uac", "Min-SE", "3"));
        Response answer = call.awaitFinal(WAIT);
        assertThat(answer.getStatusCode()).isEqualTo(200);
        // the caller's leg: what the caller asked for, at most the edge's 6 s, refreshed by the caller as it asked
        assertThat(sessionExpires(answer).getExpires()).isEqualTo(6);
        assertThat(sessionExpires(answer).getRefresher()).isEqualTo("uac");
        assertThat(header(answer, "Require")).isEqualTo("Require: timer");
        assertThat(header(answer, "Supported")).contains("timer");
        // the trunk's leg: the edge's own offer, and the trunk answered it as the refresher
        Request atTrunk = carrier.awaitRequest(Request.INVITE, WAIT);
        assertThat(sessionExpires(atTrunk).getExpires()).isEqualTo(6);
        assertThat(sessionExpires(atTrunk).getRefresher()).as("the trunk chooses").isNull();
        assertThat(header(atTrunk, "Min-SE")).isEqualTo("Min-SE: 2");
        assertThat(header(atTrunk, "Supported")).contains("timer");

        B2buaCall live = edge.edge.call(call.callId());
        synchronized (live) {
            SessionTimer callerSide = live.bridgedLegs().get(0).sessionTimer();
            SessionTimer calleeSide = live.bridgedLegs().get(1).sessionTimer();
            assertThat(callerSide.interval()).isEqualTo(6);
            assertThat(callerSide.edgeRefreshes()).isFalse();
            assertThat(calleeSide.interval()).as("the trunk's answer").isEqualTo(30);
            assertThat(calleeSide.edgeRefreshes()).isFalse();
        }

        // the caller refreshes with an UPDATE: answered by the edge with the caller's leg's timer, not relayed
        Response refreshed = call.requestInDialog(Request.UPDATE, Map.of("Supported", "timer", "Session-Expires", "5;refresher=uac"));
        assertThat(refreshed.getStatusCode()).isEqualTo(200);
        assertThat(sessionExpires(refreshed).getExpires()).isEqualTo(5);
        assertThat(sessionExpires(refreshed).getRefresher()).isEqualTo("uac");
        assertThat(carrier.receivedWithin(Request.UPDATE, null, Duration.ofMillis(300))).isFalse();
        call.bye();
        assertThat(carrier.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldRefreshBothLegsWhereThePeersRunNoTimer() throws Exception {
        Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);
        int timersBefore = edge.edge.queuedTimers();
        // the phone allows UPDATE and knows no timer; the trunk answers without Session-Expires and without Allow
        var call = phone.call(edge.uri("+15557654321"), "timed", "pw-timed", Map.of("Allow", ALLOW_UPDATE));
        Response answer = call.awaitFinal(WAIT);
        assertThat(answer.getStatusCode()).isEqualTo(200);
        assertThat(sessionExpires(answer).getExpires()).isEqualTo(6);
        assertThat(sessionExpires(answer).getRefresher()).as("the edge refreshes a peer without timers").isEqualTo("uas");
        assertThat(answer.getHeader("Require")).as("no Require: timer for a caller that does not support it").isNull();
        long answeredAt = System.currentTimeMillis();

        // two refreshes on each leg, at half the interval: UPDATE to the phone, re-INVITE with the SDP the edge sent to the trunk
        Awaitility.await().atMost(WAIT).until(() -> received(phone, Request.UPDATE).size() >= 2 && reinvites(carrier).size() >= 2);
        assertThat(System.currentTimeMillis() - answeredAt).as("not before half the interval, twice").isGreaterThanOrEqualTo(5_000);
        for (Request update : received(phone, Request.UPDATE)) {
            assertThat(update.getRawContent()).as("a session refresh only").isNull();
            assertThat(sessionExpires(update).getExpires()).isEqualTo(6);
            assertThat(sessionExpires(update).getRefresher()).isEqualTo("uac");
        }
        for (Request reinvite : reinvites(carrier)) {
            assertThat(TestUserAgent.body(reinvite)).as("the offer the trunk has, unchanged").isEqualTo(TestUserAgent.SDP);
            assertThat(sessionExpires(reinvite).getRefresher()).isEqualTo("uac");
        }
        assertThat(received(phone, Request.INVITE)).as("the phone allows UPDATE: no re-INVITE").isEmpty();
        assertThat(phone.receivedWithin(Request.BYE, null, Duration.ofMillis(100))).as("refreshed calls go on").isFalse();

        call.bye();
        assertThat(carrier.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        assertThat(events.await(call.callId(), CallEventType.ENDED, WAIT).getHangupBy()).isEqualTo(HangupParty.CALLER);
        Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);
        assertThat(edge.edge.queuedTimers()).as("the legs' timers are gone with the call").isLessThanOrEqualTo(timersBefore);
    }

    @Test
    void shouldEndACallWhosePhoneStopsAnsweringRefreshesAtItsLastProofOfLife() throws Exception {
        var call = phone.call(edge.uri("+15557654321"), "timed", "pw-timed", Map.of("Allow", ALLOW_UPDATE));
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        Awaitility.await().atMost(WAIT).until(() -> !received(phone, Request.UPDATE).isEmpty()); // answered 200: alive then
        long lastAnswered = System.currentTimeMillis();
        phone.goSilent(); // gone: its next refresh (3 s later) gets no answer

        assertThat(phone.receivedWithin(Request.BYE, call.callId(), WAIT)).as("BYE to the vanished phone").isTrue();
        assertThat(carrier.receivedWithin(Request.BYE, null, WAIT)).as("BYE to the trunk").isTrue();
        CallEvent ended = events.await(call.callId(), CallEventType.ENDED, WAIT);
        assertThat(ended.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
        assertThat(ended.getSipStatus()).isEqualTo(408);
        assertThat(ended.getReason()).startsWith("session timer: the caller");
        long endedAt = ended.getEndedAt().toEpochMilli();
        assertThat(endedAt).as("its last answer, to the first refresh").isBetween(lastAnswered - 2_500, lastAnswered + 500);
        assertThat(ended.getDurationMillis()).isEqualTo(endedAt - ended.getAnsweredAt().toEpochMilli());
        assertThat(ended.getOccurredAt().toEpochMilli() - endedAt).as("found out a refresh and its timeout later")
                .isGreaterThanOrEqualTo(3_000);
    }

    @Test
    void shouldEndACallWhoseRefresherStopsRefreshingAtItsLastRefresh() throws Exception {
        carrier.onInvite(c -> c.respond(200, Map.of("Session-Expires", "30;refresher=uas", "Supported", "timer", "Require", "timer")));
        var call = phone.call(edge.uri("+15557654321"), "timed", "pw-timed",
                Map.of("Supported", "timer", "Session-Expires", "6;refresher=uac"));
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        carrier.awaitRequest(Request.INVITE, WAIT);

        // the phone refreshes twice: a re-INVITE (relayed to the trunk, and a refresh of the phone's leg), then an UPDATE
        Thread.sleep(1_000);
        Response reinvited = call.requestInDialog(Request.INVITE, Map.of("Supported", "timer", "Session-Expires", "6;refresher=uac"));
        assertThat(reinvited.getStatusCode()).isEqualTo(200);
        assertThat(sessionExpires(reinvited).getExpires()).as("the phone's leg's timer, on the trunk's answer").isEqualTo(6);
        Request atTrunk = carrier.awaitRequest(Request.INVITE, WAIT);
        assertThat(sessionExpires(atTrunk).getExpires()).as("the trunk's leg's timer, on the relayed re-INVITE").isEqualTo(30);
        assertThat(sessionExpires(atTrunk).getRefresher()).isEqualTo("uas");
        Thread.sleep(1_000);
        assertThat(call.sendInDialog(Request.UPDATE, Map.of("Supported", "timer", "Session-Expires", "6;refresher=uac"))).isEqualTo(200);
        long lastRefresh = System.currentTimeMillis();
        // and then no more: the edge expects one within 6 s less a third

        assertThat(phone.receivedWithin(Request.BYE, call.callId(), WAIT)).isTrue();
        assertThat(carrier.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        CallEvent ended = events.await(call.callId(), CallEventType.ENDED, WAIT);
        assertThat(ended.getReason()).startsWith("session timer: the caller did not refresh");
        assertThat(ended.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
        long endedAt = ended.getEndedAt().toEpochMilli();
        assertThat(endedAt).as("the UPDATE").isBetween(lastRefresh - 1_000, lastRefresh + 300);
        assertThat(ended.getOccurredAt().toEpochMilli() - lastRefresh).as("6 s less min(32 s, a third)").isBetween(3_000L, 7_000L);
    }
}
