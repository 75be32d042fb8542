package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Map;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An edge that crashes with a call up leaves both legs running: the carrier's would cost until the far end hung
 * up. The edge started next on the same journal and port sends a BYE in each of the call's two dialogs, built
 * from what the journal kept of them, and billing hears the call ended.
 */
class LostCallHangupTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final LocalStack stack = LocalStackExtension.stack();
    private EdgeFixture crashed;
    private EdgeFixture restarted;
    private FakeRouter router;
    private EventTap events;
    private TestUserAgent phone;
    private TestUserAgent carrier;

    @AfterEach
    void close() {
        for (AutoCloseable c : new AutoCloseable[] {phone, carrier, router, events, restarted}) {
            try {
                if (c != null) c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }

    @Test
    void shouldSendAByeOnBothLegsOfACallTheCrashedEdgeHeld() throws Exception {
        // an edge id of its own: the shared edge's router answers partition 1 for the whole run
        crashed = EdgeFixture.start(stack, Map.of("edge.id", "2"));
        router = new FakeRouter(crashed.kafka, 2);
        events = new EventTap(crashed.kafka);
        phone = TestUserAgent.start("crash-phone");
        carrier = TestUserAgent.start("crash-carrier");
        crashed.publishTrunk(EdgeFixture.trunk("crash-t1", carrier.port()).build());
        crashed.account("crash-alice", "secret-c", true);
        router.policy(a -> route(a, trunk("crash-t1", "sip:+15557654321@127.0.0.1:" + carrier.port(), "+15551230001")).build());
        // a Call-ID far longer than a file name may be: the journal must keep the call all the same
        String longCallId = "x".repeat(290) + "@long.test";

        var call = phone.call(crashed.uri("+15557654321"), "crash-alice", "secret-c", Map.of(),
                c -> setCallId(c.request(), longCallId));
        Response answer = call.awaitFinal(WAIT);
        assertThat(answer.getStatusCode()).isEqualTo(200);
        var atCarrier = carrier.awaitIncoming(WAIT);
        assertThat(carrier.receivedWithin(Request.ACK, atCarrier.callId(), WAIT)).isTrue();
        String edgeCallId = crashed.edge.call(longCallId).callId(); // on the topics the SIP Call-ID is cut to 128 characters
        events.await(edgeCallId, CallEventType.ANSWERED, WAIT); // journalled, with the dialogs, before it is published

        crashed.crash();
        assertThat(phone.receivedWithin(Request.BYE, null, Duration.ofMillis(500))).as("a crash sends no BYE").isFalse();
        restarted = EdgeFixture.start(stack, Map.of(
                "edge.id", "2",
                "edge.journal.dir", crashed.journalDir().toString(),
                "sip.port", Integer.toString(crashed.sipPort)));

        Request toPhone = phone.awaitRequest(Request.BYE, Duration.ofSeconds(5));
        assertThat(callId(toPhone)).isEqualTo(longCallId);
        assertThat(tag(toPhone, FromHeader.NAME)).as("the edge's tag in the phone's dialog").isEqualTo(tag(answer, ToHeader.NAME));
        assertThat(tag(toPhone, ToHeader.NAME)).as("the phone's own tag").isEqualTo(tag(call.request(), FromHeader.NAME));
        Request toCarrier = carrier.awaitRequest(Request.BYE, Duration.ofSeconds(5));
        assertThat(callId(toCarrier)).isEqualTo(atCarrier.callId());
        assertThat(tag(toCarrier, FromHeader.NAME)).as("the edge's tag in the carrier's dialog").isEqualTo(tag(atCarrier.invite(), FromHeader.NAME));
        assertThat(tag(toCarrier, ToHeader.NAME)).as("the carrier's own tag").isEqualTo(atCarrier.toTag());
        assertThat(((CSeqHeader) toCarrier.getHeader(CSeqHeader.NAME)).getSeqNumber())
                .as("above every CSeq the edge used in the dialog").isGreaterThan(((CSeqHeader) atCarrier.invite().getHeader(CSeqHeader.NAME)).getSeqNumber());

        CallEvent ended = events.await(edgeCallId, CallEventType.ENDED, WAIT);
        assertThat(ended.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
        Awaitility.await().atMost(WAIT).until(() -> restarted.edge.journalledCalls() == 0);
    }

    private static void setCallId(Request request, String callId) {
        try {
            ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).setCallId(callId);
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String callId(javax.sip.message.Message m) { return ((CallIdHeader) m.getHeader(CallIdHeader.NAME)).getCallId(); }

    private static String tag(javax.sip.message.Message m, String header) {
        return header.equals(FromHeader.NAME) ? ((FromHeader) m.getHeader(header)).getTag() : ((ToHeader) m.getHeader(header)).getTag();
    }
}
