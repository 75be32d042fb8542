package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.StringMsgParser;
import gov.nist.javax.sip.stack.DatagramQueuedMessageDispatch;
import java.net.DatagramPacket;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import io.sipstream.edge.overload.QueueDelayShedder;
import org.junit.jupiter.api.Test;

/** What the valve measures and what it recognises, without a stack. */
class QueueDelayValveTest {
    private static final long MS = 1_000_000L;
    private static final String ANSWER_TO_CHALLENGE = "Digest username=\"alice\", realm=\"sipstream.local\", nonce=\"n\", "
            + "uri=\"sip:+15551234567@127.0.0.1\", response=\"00000000000000000000000000000000\"";

    private static DatagramQueuedMessageDispatch receivedAt(long millis) {
        return new DatagramQueuedMessageDispatch(new DatagramPacket(new byte[0], 0), millis);
    }

    @Test
    void shouldMeasureTheWaitOfTheOldestDatagramOfAnyQueue() {
        var a = new LinkedBlockingQueue<DatagramQueuedMessageDispatch>();
        var b = new LinkedBlockingQueue<DatagramQueuedMessageDispatch>();
        assertThat(QueueDelayValve.queueDelayMillis(List.of(a, b), 10_000)).as("nothing queued").isZero();

        a.add(receivedAt(9_990));
        a.add(receivedAt(9_995));
        b.add(receivedAt(9_930));
        assertThat(QueueDelayValve.queueDelayMillis(List.of(a, b), 10_000)).isEqualTo(70);
        b.poll();
        assertThat(QueueDelayValve.queueDelayMillis(List.of(a, b), 10_000)).isEqualTo(10);
        assertThat(QueueDelayValve.queueDelayMillis(List.of(), 10_000)).as("no UDP queue found").isZero();
    }

    @Test
    void shouldTellAnInviteByItsRequestLineAfterAnyCrlfsBeforeIt() {
        assertThat(QueueDelayValve.isInvite(bytes("INVITE sip:+15551234567@127.0.0.1 SIP/2.0\r\n"))).isTrue();
        assertThat(QueueDelayValve.isInvite(bytes("\r\n\r\nINVITE sip:+15551234567@127.0.0.1 SIP/2.0\r\n")))
                .as("CRLFs before the request line are ignored (RFC 3261 7.5)").isTrue();
        assertThat(QueueDelayValve.isInvite(bytes("\r\n\r\n"))).as("a keep-alive").isFalse();
        assertThat(QueueDelayValve.isInvite(bytes("ACK sip:+15551234567@127.0.0.1 SIP/2.0\r\n"))).isFalse();
        assertThat(QueueDelayValve.isInvite(bytes("INVITEsip:x SIP/2.0\r\n"))).isFalse();
        assertThat(QueueDelayValve.isInvite(bytes("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n"))).as("a response").isFalse();
        assertThat(QueueDelayValve.isInvite(bytes("\tINVITE sip:x SIP/2.0\r\n"))).as("any control byte, as the parser skips").isTrue();
        assertThat(QueueDelayValve.isInvite(new byte[0])).isFalse();
    }

    @Test
    void shouldParseOnReceiptAnInviteWithCrlfsBeforeItsRequestLine() throws Exception {
        String msg = "\r\n\r\nINVITE sip:+15551234567@127.0.0.1:5060 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-3;rport\r\n"
                + "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:+15551234567@127.0.0.1>\r\n"
                + "Call-ID: c3\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        // the parser the reader uses on receipt skips them too, so such an INVITE is refused like any other
        var parsed = new StringMsgParser().parseSIPMessage(bytes(msg), false, false, null);
        assertThat(parsed).isInstanceOf(SIPRequest.class);
        QueueDelayShedder shedder = new QueueDelayShedder(java.time.Duration.ofMillis(100), java.time.Duration.ZERO);
        assertThat(QueueDelayValve.refusesOnReceipt((SIPRequest) parsed, 250, shedder)).isTrue();
    }

    private static byte[] bytes(String s) { return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII); }

    @Test
    void shouldRefuseNewInvitesPastTheThresholdBeforeTheSustainHasPassedAndFromHalfOfItOnceRefusing() throws Exception {
        QueueDelayShedder shedder = new QueueDelayShedder(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(1));
        SIPRequest first = invite(null, null);
        SIPRequest answered = invite(null, ANSWER_TO_CHALLENGE);

        // the wait has just crossed the threshold: the shedder waits for the sustain, the reader does not
        assertThat(shedder.refuses(201, 0)).isFalse();
        assertThat(QueueDelayValve.refusesNewInvitesAt(201, false, shedder)).as("past it: no wait for the sustain").isTrue();
        assertThat(QueueDelayValve.refusesOnReceipt(answered, 201, shedder)).as("an answer to a challenge too").isTrue();
        assertThat(QueueDelayValve.refusesNewInvitesAt(200, false, shedder)).as("at it").isFalse();
        // sustained: refusing goes on from half the threshold, for first INVITEs only under the threshold itself
        assertThat(shedder.refuses(250, 1_000 * MS)).isTrue();
        boolean refusing = shedder.refuses(150, 1_050 * MS);
        assertThat(refusing).isTrue();
        assertThat(QueueDelayValve.refusesNewInvitesAt(150, refusing, shedder)).isTrue();
        assertThat(QueueDelayValve.refusesOnReceipt(first, 150, shedder)).isTrue();
        assertThat(QueueDelayValve.refusesOnReceipt(answered, 150, shedder)).as("it has paid a round trip already").isFalse();
        refusing = shedder.refuses(90, 1_100 * MS);
        assertThat(QueueDelayValve.refusesNewInvitesAt(90, refusing, shedder)).as("under half of it").isFalse();

        QueueDelayShedder disabled = new QueueDelayShedder(java.time.Duration.ZERO, java.time.Duration.ZERO);
        assertThat(QueueDelayValve.refusesNewInvitesAt(5_000, false, disabled)).as("threshold 0: never").isFalse();
    }

    @Test
    void shouldRecogniseTheAckOfItsOwn503ByItsToTag() throws Exception {
        assertThat(QueueDelayValve.isAckOfShed(ack(QueueDelayValve.SHED_TAG + "1f"))).isTrue();
        assertThat(QueueDelayValve.isAckOfShed(ack("3a9c01"))).as("the ACK of another answer").isFalse();
    }

    @Test
    void shouldRefuseOnReceiptAFirstInviteFromHalfTheThresholdAndTheAnswerToAChallengeOnlyPastIt() throws Exception {
        QueueDelayShedder shedder = new QueueDelayShedder(java.time.Duration.ofMillis(100), java.time.Duration.ZERO);
        assertThat(shedder.shed(150, 0)).as("refusing starts").isTrue();
        SIPRequest first = invite(null, null);
        SIPRequest answered = invite(null, "Digest username=\"alice\", realm=\"sipstream.local\", nonce=\"n\", "
                + "uri=\"sip:+15551234567@127.0.0.1\", response=\"00000000000000000000000000000000\"");

        assertThat(QueueDelayValve.refusesOnReceipt(first, 150, shedder)).isTrue();
        assertThat(QueueDelayValve.refusesOnReceipt(answered, 150, shedder)).as("past the threshold").isTrue();
        assertThat(QueueDelayValve.refusesOnReceipt(first, 80, shedder)).as("between half the threshold and it").isTrue();
        assertThat(QueueDelayValve.refusesOnReceipt(answered, 80, shedder)).as("it has paid a round trip already").isFalse();
        assertThat(QueueDelayValve.refusesOnReceipt(invite("b7", null), 150, shedder)).as("in a dialog").isFalse();
        assertThat(QueueDelayValve.refusesOnReceipt(ack("x1"), 150, shedder)).as("not an INVITE").isFalse();
    }

    private static SIPRequest invite(String toTag, String authorization) throws Exception {
        String msg = "INVITE sip:+15551234567@127.0.0.1:5060 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-2;rport\r\n"
                + "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
                + "To: <sip:+15551234567@127.0.0.1>" + (toTag == null ? "" : ";tag=" + toTag) + "\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Call-ID: c2\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        return (SIPRequest) new StringMsgParser().parseSIPMessage(msg.getBytes(java.nio.charset.StandardCharsets.UTF_8), true, false, null);
    }

    private static SIPRequest ack(String toTag) throws Exception {
        String msg = "ACK sip:+15551234567@127.0.0.1:5060 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
                + "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
                + "To: <sip:+15551234567@127.0.0.1>;tag=" + toTag + "\r\n"
                + "Call-ID: c1\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        return (SIPRequest) new StringMsgParser().parseSIPMessage(msg.getBytes(java.nio.charset.StandardCharsets.UTF_8), true, false, null);
    }

    @Test
    void shouldServeAtDequeueAChallengedFirstInviteTheReaderQueuedAndRefuseTheRestPastTheThresholdOrOverTcp() {
        // over UDP, checked on receipt: a caller's first INVITE is challenged whatever it waited
        assertThat(QueueDelayValve.servesAtDequeue(false, true, true, 500, 200)).isTrue();
        // an answer to a challenge, or a trunk's INVITE: served up to the threshold, refused past it
        assertThat(QueueDelayValve.servesAtDequeue(false, true, false, 200, 200)).isTrue();
        assertThat(QueueDelayValve.servesAtDequeue(false, true, false, 201, 200)).isFalse();
        // no check on receipt (TCP, TLS, WebSocket; UDP before a reader asked): the valve decides, as before
        assertThat(QueueDelayValve.servesAtDequeue(true, true, true, 0, 200)).isFalse();
        assertThat(QueueDelayValve.servesAtDequeue(false, false, true, 0, 200)).isFalse();
    }
}
