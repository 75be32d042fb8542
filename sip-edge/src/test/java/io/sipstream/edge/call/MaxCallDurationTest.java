package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

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
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The edge's own limit on a call (edge.max.call.duration): a postpaid call (no maxDurationSeconds
 * in the verdict) whose peers never hang up is ended by the edge, and a verdict's longer limit
 * does not lift it. An edge of its own, with a 2 s limit.
 */
@ExtendWith(LocalStackExtension.class)
class MaxCallDurationTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void shouldEndACallWithoutAVerdictLimitAtTheEdgesLimitAndTakeTheSmallerOfBoth(LocalStack stack) throws Exception {
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "7", "edge.max.call.duration", "2s"));
             FakeRouter router = new FakeRouter(edge.kafka, 7);
             EventTap events = new EventTap(edge.kafka);
             TestUserAgent phone = TestUserAgent.start("cap-phone");
             TestUserAgent provider = TestUserAgent.start("cap-trunk")) {
            edge.account("capped", "pw-cap", true);
            edge.publishTrunk(EdgeFixture.trunk("cap-t1", provider.port()).build());
            for (Integer verdictLimit : new Integer[] {null, 3600}) { // postpaid (none), then a verdict's longer limit
                router.policy(a -> route(a, trunk("cap-t1", "sip:+15557654321@127.0.0.1:" + provider.port(), null))
                        .setMaxDurationSeconds(verdictLimit).build());
                provider.clear();
                var call = phone.call(edge.uri("+15557654321"), "capped", "pw-cap");
                assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
                long answeredAt = System.nanoTime();
                // neither side hangs up: the edge does, on both legs
                assertThat(phone.receivedWithin(Request.BYE, call.callId(), WAIT)).as("BYE to the caller, verdict limit %s", verdictLimit).isTrue();
                assertThat(provider.receivedWithin(Request.BYE, null, WAIT)).as("BYE to the trunk, verdict limit %s", verdictLimit).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - answeredAt)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
                var ended = events.await(call.callId(), CallEventType.ENDED, WAIT);
                assertThat(ended.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
                assertThat(ended.getReason()).isEqualTo("maximum call duration reached");
            }
        }
    }

    @Test
    void shouldTakeTheSmallerOfTheVerdictsLimitAndTheEdgesOwn() {
        assertThat(B2buaCall.maxDuration(null, Duration.ofHours(4))).isEqualTo(Duration.ofHours(4));
        assertThat(B2buaCall.maxDuration(0, Duration.ofHours(4))).isEqualTo(Duration.ofHours(4));
        assertThat(B2buaCall.maxDuration(60, Duration.ofHours(4))).isEqualTo(Duration.ofSeconds(60));
        assertThat(B2buaCall.maxDuration(20_000, Duration.ofHours(4))).isEqualTo(Duration.ofHours(4));
        assertThat(B2buaCall.maxDuration(60, Duration.ZERO)).isEqualTo(Duration.ofSeconds(60));
        assertThat(B2buaCall.maxDuration(null, Duration.ZERO)).isNull();
    }
}
