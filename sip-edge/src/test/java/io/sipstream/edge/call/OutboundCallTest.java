package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import java.util.Map;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Outbound calls from an account's softphone through the edge to trunks; the test plays the router through the broker. */
@ExtendWith(SharedEdge.class)
class OutboundCallTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;
    private TestUserAgent phone;
    private TestUserAgent trunk1;
    private TestUserAgent trunk2;

    OutboundCallTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
    }

    @BeforeEach
    void peers() throws Exception {
        phone = TestUserAgent.start("phone");
        trunk1 = TestUserAgent.start("trunk1");
        trunk2 = TestUserAgent.start("trunk2");
        edge.publishTrunk(EdgeFixture.trunk("out-t1", trunk1.port()).build());
        edge.publishTrunk(EdgeFixture.trunk("out-t2", trunk2.port()).build());
        shared.router().clear();
    }

    @AfterEach
    void close() {
        phone.close();
        trunk1.close();
        trunk2.close();
    }

    private void routeTo(String... trunkIds) {
        shared.router().policy(a -> {
            var targets = java.util.Arrays.stream(trunkIds).map(id -> trunk(id,
                    "sip:+15557654321@127.0.0.1:" + (id.equals("out-t1") ? trunk1.port() : trunk2.port()), "+15551230001"))
                    .toArray(io.sipstream.avro.RouteTarget[]::new);
            return route(a, targets).build();
        });
    }

    @Test
    void shouldCompleteACallWithTheRoutersCallerIdInFromAndAssertedIdentity() throws Exception {
        edge.account("alice", "secret-a", true);
        routeTo("out-t1");

        var call = phone.call(edge.uri("+15557654321"), "alice", "secret-a",
                Map.of("P-Preferred-Identity", "<sip:+15550000007@sipstream.local>"));
        Response answer = call.awaitFinal(WAIT);

        assertThat(answer.getStatusCode()).isEqualTo(200);
        assertThat(call.statuses()).contains(100, 401, 180);
        assertThat(TestUserAgent.body(answer)).contains("m=audio 50000"); // the trunk's SDP, untouched
        Request atTrunk = trunk1.awaitRequest(Request.INVITE, WAIT);
        assertThat(TestUserAgent.fromUser(atTrunk)).isEqualTo("+15551230001");
        assertThat(TestUserAgent.userOf(atTrunk, "P-Asserted-Identity")).isEqualTo("+15551230001");
        assertThat(TestUserAgent.body(atTrunk)).isEqualTo(TestUserAgent.SDP); // the caller's SDP, untouched
        assertThat(atTrunk.getHeader("Authorization")).isNull();

        CallAttempt attempt = shared.router().awaitAttempt(call.callId(), WAIT);
        assertThat(attempt.getAccountId()).isEqualTo("alice");
        assertThat(attempt.getDirection()).isEqualTo(Direction.OUTBOUND);
        assertThat(attempt.getDialled()).isEqualTo("+15557654321");
        assertThat(attempt.getFromUser()).isEqualTo("alice");
        assertThat(attempt.getAssertedIdentity()).isEqualTo("+15550000007");
        assertThat(attempt.getReplyPartition()).isEqualTo(1);
        assertThat(attempt.getSourceIp()).isEqualTo("127.0.0.1");
        assertThat(attempt.getSourcePort()).isEqualTo(phone.port());
        assertThat(attempt.getTransport()).isEqualTo("udp");

        shared.events().await(call.callId(), CallEventType.INTERIM, WAIT);
        call.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        var ended = shared.events().await(call.callId(), CallEventType.ENDED, WAIT);
        assertThat(ended.getHangupBy()).isEqualTo(io.sipstream.avro.HangupParty.CALLER);
        assertThat(ended.getDurationMillis()).isPositive();
        assertThat(ended.getTrunkId()).isEqualTo("out-t1");
        assertThat(ended.getEventId()).isEqualTo(call.callId() + ":ENDED:0");
        assertThat(shared.events().typesOf(call.callId()))
                .containsSubsequence(CallEventType.ATTEMPT, CallEventType.RINGING, CallEventType.ANSWERED, CallEventType.INTERIM, CallEventType.ENDED);
    }
}
