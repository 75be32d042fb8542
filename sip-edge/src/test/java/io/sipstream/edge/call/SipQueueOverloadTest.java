package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static io.sipstream.edge.support.HeldSipThreads.info;
import static io.sipstream.edge.support.HeldSipThreads.queuedDatagrams;
import static io.sipstream.edge.support.HeldSipThreads.threadsWaitingFor;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sip.header.RetryAfterHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Overload of the SIP layer itself (edge.overload.queue.delay): while datagrams wait for a SIP thread,
 * a new INVITE is answered 503 with Retry-After, before any transaction, 100 Trying or question to the
 * router, on receipt by the thread reading the socket; what that thread queued before the wait grew is served
 * (a first INVITE's 401 costs what its 503 would), and a call admitted before completes. The SIP threads (two) are
 * held by the test: each is handling an INFO of an answered call whose lock the test holds.
 */
@ExtendWith(LocalStackExtension.class)
class SipQueueOverloadTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /**
     * {@code sustain} 0: the SIP threads refuse too once the wait is past the threshold. 10 s, longer than the wait lasts
     * here: the SIP threads never refuse, and the INVITE sent while both are held can only have been refused on receipt by
     * the reader, which does not wait for the sustain.
     */
    @ParameterizedTest(name = "sustain {0}")
    @ValueSource(strings = {"0ms", "10s"})
    void shouldAnswerNewInvites503OnReceiptWhileDatagramsWaitForASipThreadAndServeWhatWasQueuedBefore(String sustain, LocalStack stack) throws Exception {
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "3", "edge.sip.threads", "2",
                "edge.overload.queue.delay", "50ms", "edge.overload.queue.delay.sustain", sustain, "edge.verdict.timeout", "10s", "edge.retry.after", "7"));
             FakeRouter router = new FakeRouter(edge.kafka, 3);
             TestUserAgent phone = TestUserAgent.start("sq-phone");
             TestUserAgent provider = TestUserAgent.start("sq-trunk");
             ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            edge.account("sq", "pw-sq", true);
            edge.publishTrunk(EdgeFixture.trunk("sq-t1", provider.port()).build());
            String target = "sip:+15557654321@127.0.0.1:" + provider.port();

            // Given two answered calls, whose locks will hold the two SIP threads
            router.policy(a -> route(a, trunk("sq-t1", target, null)).build());
            List<TestUserAgent.OutgoingCall> answered = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                var call = phone.call(edge.uri("+15557654321"), "sq", "pw-sq");
                assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
                answered.add(call);
            }
            B2buaCall held1 = edge.edge.call(answered.get(0).callId());
            B2buaCall held2 = edge.edge.call(answered.get(1).callId());
            // and a call admitted, waiting for the router
            router.policy(a -> null);
            var admitted = phone.call(edge.uri("+15557654321"), "sq", "pw-sq");
            CallAttempt asked = router.awaitAttempt(admitted.callId(), WAIT);

            // When new INVITEs queue behind SIP threads that are busy
            List<TestUserAgent.OutgoingCall> excess = new ArrayList<>();
            List<CompletableFuture<Integer>> infos = new ArrayList<>();
            List<CompletableFuture<Response>> options = new ArrayList<>();
            long released;
            TestUserAgent.OutgoingCall late;
            synchronized (held1) {
                synchronized (held2) {
                    for (var call : answered) infos.add(CompletableFuture.supplyAsync(() -> info(call), senders));
                    long me = Thread.currentThread().threadId();
                    Awaitility.await().atMost(WAIT).until(() -> threadsWaitingFor(me) >= 2);
                    for (int i = 0; i < 3; i++) excess.add(phone.call(edge.uri("+15557654321"), "sq", "pw-sq"));
                    // and a retransmission of the INVITE admitted before: its transaction's to absorb, never a 503
                    // (the caller would drop a call the edge goes on to connect)
                    byte[] again = admitted.request().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    try (java.net.DatagramSocket raw = new java.net.DatagramSocket()) {
                        raw.send(new java.net.DatagramPacket(again, again.length, java.net.InetAddress.getLoopbackAddress(), edge.sipPort));
                    }
                    // many more behind the last INVITE than there are SIP threads, so the queue is not empty when its valve
                    // looks: the valve measures the queue's head, and one SIP thread may drain a few OPTIONS while the
                    // other, descheduled on a loaded machine, has taken the INVITE but not yet looked (a failure seen once)
                    for (int i = 0; i < 12; i++) options.add(CompletableFuture.supplyAsync(() -> options(phone, edge.uri("ping")), senders));
                    // every one queued, and the last of them (so every one) waiting past the threshold: a loaded
                    // machine spreads the sends, and an INVITE taken while the datagram behind it is fresh is admitted
                    Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> queuedDatagrams(edge) >= 16);
                    long allQueued = System.nanoTime();
                    Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
                            .until(() -> System.nanoTime() - allQueued >= 150_000_000L && queueDelayMillis(edge) >= 100);
                    // and an INVITE arriving now is answered on receipt, by the thread reading the socket: the SIP threads
                    // are still held, and it does not wait behind the queue it is refused for
                    late = phone.call(edge.uri("+15557654321"), "sq", "pw-sq");
                    Response refusedAtOnce = late.awaitFinal(WAIT);
                    assertThat(refusedAtOnce.getStatusCode()).isEqualTo(503);
                    assertThat(((RetryAfterHeader) refusedAtOnce.getHeader(RetryAfterHeader.NAME)).getRetryAfter()).isEqualTo(7);
                    assertThat(late.statuses()).as("no 100 Trying, no challenge: no transaction").containsExactly(503);
                    assertThat(threadsWaitingFor(me)).as("while both SIP threads are held").isGreaterThanOrEqualTo(2);
                    router.policy(a -> route(a, trunk("sq-t1", target, null)).build()); // the excess calls' attempts, once asked
                    released = System.nanoTime();
                }
            }

            // Then the INVITEs queued before the wait grew are served once a SIP thread is free, not refused after
            // their wait: each is challenged. Its answer to the challenge is judged on receipt like any new INVITE
            // (admitted, or refused at once if it comes while the queue still waits past the threshold)
            // (the first of them met an empty queue; a later one, sent more than the threshold after it on a loaded
            // machine, may have been refused on receipt instead: then its only answer is that 503)
            List<TestUserAgent.OutgoingCall> connected = new ArrayList<>();
            for (var call : excess) {
                int status = call.awaitFinal(WAIT).getStatusCode();
                if (status == 200) connected.add(call);
                assertThat((System.nanoTime() - released) / 1_000_000).as("served once the threads are free").isLessThan(5000);
                if (call == excess.get(0) || call.statuses().getFirst() != 503) {
                    assertThat(call.statuses()).as("the queued INVITE challenged, not refused after its wait").first().isEqualTo(401);
                } else {
                    assertThat(call.statuses()).as("refused on receipt").containsExactly(503);
                }
                assertThat(status).isIn(200, 503);
                if (status == 200) assertThat(router.attemptsOf(call.callId())).isNotEmpty();
            }
            assertThat(router.attemptsOf(late.callId())).isEmpty();
            assertThat(edge.ctx.metrics().get("sipstream.edge.overload.shed").tag("layer", "sip").functionCounter().count())
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(edge.ctx.metrics().get("sipstream.edge.overload.shed").tag("layer", "setup").functionCounter().count()).isZero();
            // and what was in progress went on: the INFOs, the OPTIONS, the call admitted before
            for (var info : infos) assertThat(info.get(10, TimeUnit.SECONDS)).isEqualTo(200);
            for (var o : options) assertThat(o.get(10, TimeUnit.SECONDS).getStatusCode()).isEqualTo(200);
            router.answer(route(asked, trunk("sq-t1", target, null)).build());
            assertThat(admitted.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            assertThat(admitted.statuses()).as("its retransmission was not refused").doesNotContain(503);
            admitted.bye();
            for (var call : answered) call.bye();
            for (var call : connected) call.bye();
            Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);

            // and with the queue drained, a new call is admitted
            Awaitility.await().atMost(WAIT).until(() -> queueDelayMillis(edge) < 50);
            router.policy(a -> route(a, trunk("sq-t1", target, null)).build());
            var after = phone.call(edge.uri("+15557654321"), "sq", "pw-sq");
            assertThat(after.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            assertThat(after.statuses()).contains(100, 401);
            after.bye();
            assertThat(provider.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        }
    }

    private static Response options(TestUserAgent ua, String uri) {
        try {
            return ua.options(uri);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double queueDelayMillis(EdgeFixture edge) {
        return edge.ctx.metrics().get("sipstream.edge.sip.queue.delay").timeGauge().value(TimeUnit.MILLISECONDS);
    }
}
