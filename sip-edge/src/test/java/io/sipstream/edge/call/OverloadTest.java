package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallAttempt;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sip.header.RetryAfterHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Overload control (edge.overload.*): with the calls in set-up at the hard cap, because the router
 * has not answered them yet, a new INVITE is answered 503 with Retry-After at once, before any
 * challenge or question to the router; the calls admitted still complete when their verdicts come,
 * and new calls are admitted again. An edge of its own, with a cap of three.
 */
@ExtendWith(LocalStackExtension.class)
class OverloadTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void shouldAnswerTheExcessInvites503AtOnceWhileTheAdmittedCallsWaitForTheRouterAndComplete(LocalStack stack) throws Exception {
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "3", "edge.overload.max.setup", "3",
                "edge.verdict.timeout", "5s", "edge.retry.after", "7"));
             FakeRouter router = new FakeRouter(edge.kafka, 3);
             TestUserAgent phone = TestUserAgent.start("ovl-phone");
             TestUserAgent provider = TestUserAgent.start("ovl-trunk")) {
            edge.account("busy", "pw-busy", true);
            edge.publishTrunk(EdgeFixture.trunk("ovl-t1", provider.port()).build());
            String target = "sip:+15557654321@127.0.0.1:" + provider.port();

            // Given a router that has not answered the three calls in set-up
            router.policy(a -> null);
            List<TestUserAgent.OutgoingCall> admitted = new ArrayList<>();
            List<CallAttempt> asked = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                var call = phone.call(edge.uri("+15557654321"), "busy", "pw-busy");
                asked.add(router.awaitAttempt(call.callId(), WAIT));
                admitted.add(call);
            }

            // When two more calls come
            List<TestUserAgent.OutgoingCall> excess = new ArrayList<>();
            List<Long> answeredAfterMillis = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                long sent = System.nanoTime();
                var call = phone.call(edge.uri("+15557654321"), "busy", "pw-busy");
                Response refused = call.awaitFinal(WAIT);
                answeredAfterMillis.add((System.nanoTime() - sent) / 1_000_000);
                assertThat(refused.getStatusCode()).isEqualTo(503);
                assertThat(((RetryAfterHeader) refused.getHeader(RetryAfterHeader.NAME)).getRetryAfter()).isEqualTo(7);
                assertThat(refused.getHeader("Reason").toString()).contains("overloaded");
                assertThat(call.statuses()).as("no 100 Trying, no challenge: refused before any work").containsExactly(503);
                excess.add(call);
            }

            // Then they were refused at once (not after the 5 s verdict timeout), and the router never heard of them
            assertThat(answeredAfterMillis).allSatisfy(ms -> assertThat(ms).isLessThan(1000));
            for (var call : excess) assertThat(router.attemptsOf(call.callId())).isEmpty();
            assertThat(edge.ctx.metrics().get("sipstream.edge.overload.shed").tag("layer", "setup").functionCounter().count()).isEqualTo(2.0);
            assertThat(edge.ctx.metrics().get("sipstream.edge.calls.in.setup").gauge().value()).isEqualTo(3.0);

            // and the calls admitted complete once the router answers, late
            for (CallAttempt a : asked) router.answer(route(a, trunk("ovl-t1", target, null)).build());
            for (var call : admitted) {
                assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
                call.bye();
            }
            Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);
            assertThat(edge.ctx.metrics().get("sipstream.edge.calls.in.setup").gauge().value()).isZero();

            // and with set-up free again, a new call is admitted
            router.policy(a -> route(a, trunk("ovl-t1", target, null)).build());
            var after = phone.call(edge.uri("+15557654321"), "busy", "pw-busy");
            assertThat(after.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            assertThat(after.statuses()).contains(100, 401);
            after.bye();
            assertThat(provider.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        }
    }
}
