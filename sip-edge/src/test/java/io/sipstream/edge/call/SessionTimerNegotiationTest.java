package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sip.SipFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;

/** What the edge grants a peer's session timer request (RFC 4028 section 9), and the end time of a call that ended unheard of. */
class SessionTimerNegotiationTest {
    private static final SessionTimer.Settings EDGE = new SessionTimer.Settings(1800, 90);

    private static Request invite(String... headers) throws Exception {
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        MessageFactory messages = factory.createMessageFactory();
        String text = "INVITE sip:+15557654321@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-neg\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:alice@sipstream.local>;tag=a\r\nTo: <sip:+15557654321@127.0.0.1>\r\n"
                + "Call-ID: negotiation@test\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5070>\r\n"
                + String.join("", java.util.Arrays.stream(headers).map(h -> h + "\r\n").toList())
                + "Content-Length: 0\r\n\r\n";
        return messages.createRequest(text);
    }

    private static SessionTimer.Answer answer(String... headers) throws Exception { return SessionTimer.answer(invite(headers), EDGE); }

    @Test
    void shouldRefreshItselfForAPeerWithoutTimersAtItsOwnInterval() throws Exception {
        assertThat(answer()).isEqualTo(new SessionTimer.Answer(1800, true, false, 0));
        assertThat(answer("Session-Expires: 60")).as("a proxy's interval below Min-SE: raised, the caller could not read a 422")
                .isEqualTo(new SessionTimer.Answer(90, true, false, 0));
        assertThat(answer("Session-Expires: 600;refresher=uac")).as("a peer without timers cannot refresh")
                .isEqualTo(new SessionTimer.Answer(600, true, false, 0));
    }

    @Test
    void shouldGrantWhatAPeerWithTimersAsksWithinTheEdgesLimits() throws Exception {
        assertThat(answer("Supported: timer", "Session-Expires: 600")).as("no preference: the edge refreshes")
                .isEqualTo(new SessionTimer.Answer(600, true, true, 0));
        assertThat(answer("Supported: timer", "Session-Expires: 600;refresher=uac")).isEqualTo(new SessionTimer.Answer(600, false, true, 0));
        assertThat(answer("Supported: 100rel, timer", "Session-Expires: 600;refresher=uas")).isEqualTo(new SessionTimer.Answer(600, true, true, 0));
        assertThat(answer("Supported: timer", "Session-Expires: 7200")).as("at most the edge's own").isEqualTo(new SessionTimer.Answer(1800, true, true, 0));
        assertThat(answer("Supported: timer", "Min-SE: 2000")).as("never below the peer's Min-SE").isEqualTo(new SessionTimer.Answer(2000, true, true, 0));
        assertThat(answer("k: timer", "x: 300;refresher=uac")).as("compact forms").isEqualTo(new SessionTimer.Answer(300, false, true, 0));
    }

    @Test
    void shouldRefuseAPeerWithTimersAskingLessThanMinSe() throws Exception {
        SessionTimer.Answer refused = answer("Supported: timer", "Session-Expires: 60");
        assertThat(refused.refused()).isTrue();
        assertThat(refused.tooSmall()).isEqualTo(90);
        assertThat(SessionTimer.tooSmall(invite("Supported: timer", "Session-Expires: 60"), EDGE)).isEqualTo(90);
        assertThat(SessionTimer.tooSmall(invite("Supported: timer", "Session-Expires: 90"), EDGE)).isZero();
        assertThat(SessionTimer.tooSmall(invite("Supported: timer", "Session-Expires: 60"), new SessionTimer.Settings(0, 90)))
                .as("session timers off").isZero();
    }

    @Test
    void shouldReadWhetherAPeerAllowsUpdate() throws Exception {
        assertThat(SessionHeaders.allowsUpdate(invite("Allow: INVITE, ACK, BYE, UPDATE"))).isTrue();
        assertThat(SessionHeaders.allowsUpdate(invite("Allow: INVITE, ACK, BYE"))).isFalse();
        assertThat(SessionHeaders.allowsUpdate(invite())).isFalse();
    }

    @Test
    void shouldEndACallAtItsEndTimeButNeverBeforeItsAnswer() {
        List<CallEvent> sent = new ArrayList<>();
        CallAttempt attempt = CallAttempt.newBuilder().setCallId("e1-x:c1").setEdgeId("1").setReplyPartition(1)
                .setDirection(Direction.OUTBOUND).setAccountId("acme").setFromUser("alice").setFromUri("sip:alice@sipstream.local")
                .setDialled("+15557654321").setRequestUri("sip:+15557654321@edge").setSourceIp("127.0.0.1").setSourcePort(5070)
                .setTransport("udp").setReceivedAt(Instant.ofEpochMilli(0)).build();
        CallReport report = new CallReport(sent::add, "1", false, attempt, 0, new TrunkMetrics(new SimpleMeterRegistry()));
        report.answered(1_000, null, null);
        report.end(CallEventType.ENDED, 408, "session timer", null, HangupParty.SYSTEM, 10_000, 4_000);
        CallEvent ended = sent.getLast();
        assertThat(ended.getEndedAt()).isEqualTo(Instant.ofEpochMilli(4_000));
        assertThat(ended.getDurationMillis()).isEqualTo(3_000);
        assertThat(ended.getOccurredAt()).as("when the edge found out").isEqualTo(Instant.ofEpochMilli(10_000));

        CallReport early = new CallReport(sent::add, "1", false, attempt, 0, new TrunkMetrics(new SimpleMeterRegistry()));
        early.answered(5_000, null, null);
        early.end(CallEventType.ENDED, 408, "session timer", null, HangupParty.SYSTEM, 10_000, 4_000);
        assertThat(sent.getLast().getEndedAt()).isEqualTo(Instant.ofEpochMilli(5_000));
        assertThat(sent.getLast().getDurationMillis()).isZero();
    }

    @Test
    void shouldTimeARefreshOutWithinTheHalfIntervalLeft() {
        assertThat(timerOf(90).retransmitMillis()).as("RFC 3261's T1 for every interval RFC 4028 allows").isEqualTo(500);
        assertThat(timerOf(6).retransmitMillis() * 64).as("a test's 6 s: within 3 s").isLessThanOrEqualTo(3_000);
    }

    private static SessionTimer timerOf(int interval) {
        try {
            return SessionTimer.answering(null, null, invite("Session-Expires: " + interval), new SessionTimer.Settings(interval, 2));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
