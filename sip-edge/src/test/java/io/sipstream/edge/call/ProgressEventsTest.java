package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEventType;
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

/** edge.events.progress=true: every call reports ATTEMPT and RINGING, postpaid or not. An edge of its own. */
@ExtendWith(LocalStackExtension.class)
class ProgressEventsTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void shouldPublishEveryEventOfAPostpaidCallWhenAskedTo(LocalStack stack) throws Exception {
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "0", "edge.events.progress", "true"));
             FakeRouter router = new FakeRouter(edge.kafka, 0);
             EventTap events = new EventTap(edge.kafka);
             TestUserAgent phone = TestUserAgent.start("progress-phone");
             TestUserAgent provider = TestUserAgent.start("progress-trunk")) {
            edge.account("chatty", "pw-ch", true);
            edge.publishTrunk(EdgeFixture.trunk("pr-t1", provider.port()).build());
            router.policy(a -> route(a, trunk("pr-t1", "sip:+15557654321@127.0.0.1:" + provider.port(), null)).build());

            var call = phone.call(edge.uri("+15557654321"), "chatty", "pw-ch");
            assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            events.await(call.callId(), CallEventType.INTERIM, WAIT);
            call.bye();
            assertThat(provider.receivedWithin(Request.BYE, null, WAIT)).isTrue();
            events.await(call.callId(), CallEventType.ENDED, WAIT);

            assertThat(events.typesOf(call.callId())).containsSubsequence(CallEventType.ATTEMPT, CallEventType.RINGING,
                    CallEventType.ANSWERED, CallEventType.INTERIM, CallEventType.ENDED);
            assertThat(events.await(call.callId(), CallEventType.ATTEMPT, WAIT).getDestination())
                    .as("announced at once, before the verdict").isNull();
        }
    }
}
