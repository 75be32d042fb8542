package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static io.sipstream.edge.support.HeldSipThreads.info;
import static io.sipstream.edge.support.HeldSipThreads.queuedDatagrams;
import static io.sipstream.edge.support.HeldSipThreads.threadsWaitingFor;
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
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sip.message.Request;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A caller's talk starts when the edge relays the callee's 200, so the answer is stamped then: a 200 that waited in
 * the queue for a SIP thread is not billed for its wait. The hang-up stays stamped when its BYE was read, not when a
 * SIP thread got to it. The SIP threads (two) are held by the test, as in {@link SipQueueOverloadTest}: each is
 * handling an INFO of an answered call whose lock the test holds.
 */
@ExtendWith(LocalStackExtension.class)
class QueuedAnswerBillingTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /**
     * How long the 200 waits in the queue: far above what a loaded machine adds to a send or a read, and past the
     * provider's retransmission of it (500 ms), so the old stamp (the reading of either copy) is before the release.
     */
    private static final long ANSWER_QUEUED_MS = 700;
    /** How long the BYE waits: under JAIN-SIP's congestion timeout (1 s), past which a queued datagram is dropped. */
    private static final long BYE_QUEUED_MS = 500;
    /** Clock slack for the answer's lower bound (a few ms; the old stamp is 200 ms or more too early). */
    private static final long SLACK_MS = 5;
    /** The hang-up's read time is at most this after the BYE was sent (the old and new code both pass: a guard). */
    private static final long READ_WITHIN_MS = 300;

    @Test
    void shouldStampTheAnswerWhenThe200IsRelayedAndTheEndWhenTheByeWasRead(LocalStack stack) throws Exception {
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "3", "edge.sip.threads", "2",
                "edge.overload.queue.delay", "10s", "edge.verdict.timeout", "10s", "edge.target.timeout", "30s"));
             FakeRouter router = new FakeRouter(edge.kafka, 3);
             EventTap events = new EventTap(edge.kafka);
             TestUserAgent phone = TestUserAgent.start("qa-phone");
             TestUserAgent provider = TestUserAgent.start("qa-trunk");
             ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            edge.account("qa", "pw-qa", true);
            edge.publishTrunk(EdgeFixture.trunk("qa-t1", provider.port()).build());
            String target = "sip:+15557654321@127.0.0.1:" + provider.port();
            router.policy(a -> route(a, trunk("qa-t1", target, null)).build());

            // Given two answered calls, whose locks will hold the two SIP threads
            List<TestUserAgent.OutgoingCall> answered = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                var call = phone.call(edge.uri("+15557654321"), "qa", "pw-qa");
                assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
                answered.add(call);
            }
            B2buaCall held1 = edge.edge.call(answered.get(0).callId());
            B2buaCall held2 = edge.edge.call(answered.get(1).callId());
            // and a call ringing at the provider, which the test answers itself
            LinkedBlockingQueue<TestUserAgent.IncomingCall> ringing = new LinkedBlockingQueue<>();
            provider.onInvite(in -> {
                in.ring();
                ringing.add(in);
            });
            var c = phone.call(edge.uri("+15557654321"), "qa", "pw-qa");
            TestUserAgent.IncomingCall atProvider = ringing.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(atProvider).as("the provider got the INVITE").isNotNull();
            c.awaitStatus(180, WAIT);

            // When the provider's 200 waits in the queue for a SIP thread
            long answerSent;
            long released;
            List<CompletableFuture<Integer>> infos = new ArrayList<>();
            synchronized (held1) {
                synchronized (held2) {
                    holdSipThreads(answered, infos, senders);
                    answerSent = System.currentTimeMillis();
                    atProvider.respond(200);
                    Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> queuedDatagrams(edge) >= 1);
                    Thread.sleep(ANSWER_QUEUED_MS);
                    assertThat(c.statuses()).as("the 200 not relayed while both SIP threads are held").doesNotContain(200);
                    assertThat(threadsWaitingFor(Thread.currentThread().threadId())).as("both SIP threads held").isGreaterThanOrEqualTo(2);
                    released = System.currentTimeMillis();
                }
            }

            // Then the caller gets it once a SIP thread is free, and the answer is stamped when it was relayed
            assertThat(c.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            for (var info : infos) assertThat(info.get(30, TimeUnit.SECONDS)).isEqualTo(200);
            CallEvent answer = events.await(c.callId(), CallEventType.ANSWERED, WAIT);
            long answeredAt = answer.getAnsweredAt().toEpochMilli();
            assertThat(answeredAt).as("answered when the 200 was relayed (sent at %d, released at %d), not when it was read",
                    answerSent, released).isGreaterThanOrEqualTo(released - SLACK_MS);

            // When the caller hangs up and its BYE waits in the queue for a SIP thread. One datagram: the phone's stack
            // would send the BYE again after 500 ms, and with both SIP threads freed at once the thread that takes the
            // copy may get to the transaction first, ending the call at the copy's reading (seen here once in ~8 runs)
            long byeSent;
            infos.clear();
            byte[] bye = c.newBye().toString().getBytes(StandardCharsets.UTF_8);
            synchronized (held1) {
                synchronized (held2) {
                    holdSipThreads(answered, infos, senders);
                    byeSent = System.currentTimeMillis();
                    try (DatagramSocket raw = new DatagramSocket()) {
                        raw.send(new DatagramPacket(bye, bye.length, InetAddress.getLoopbackAddress(), edge.sipPort));
                    }
                    Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> queuedDatagrams(edge) >= 1);
                    Thread.sleep(BYE_QUEUED_MS);
                    assertThat(provider.methods()).as("the BYE not relayed while both SIP threads are held").doesNotContain(Request.BYE);
                    assertThat(threadsWaitingFor(Thread.currentThread().threadId())).as("both SIP threads held").isGreaterThanOrEqualTo(2);
                    released = System.currentTimeMillis();
                }
            }

            // Then the end is stamped when the BYE was read, not when a SIP thread got to it
            CallEvent ended = events.await(c.callId(), CallEventType.ENDED, WAIT);
            long endedAt = ended.getEndedAt().toEpochMilli();
            assertThat(endedAt).as("ended when the BYE was read (sent at %d, released at %d)", byeSent, released)
                    .isBetween(byeSent, byeSent + READ_WITHIN_MS);
            assertThat(ended.getHangupBy()).isEqualTo(HangupParty.CALLER);
            assertThat(ended.getAnsweredAt().toEpochMilli()).isEqualTo(answeredAt);
            assertThat(ended.getDurationMillis()).isEqualTo(endedAt - answeredAt);
            for (var info : infos) assertThat(info.get(30, TimeUnit.SECONDS)).isEqualTo(200);
            assertThat(provider.receivedWithin(Request.BYE, atProvider.callId(), WAIT)).isTrue();

            for (var call : answered) call.bye();
            Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);
        }
    }

    /** An INFO for each held call, sent while the test holds their locks: the two SIP threads block on them. */
    private static void holdSipThreads(List<TestUserAgent.OutgoingCall> answered, List<CompletableFuture<Integer>> infos,
                                       ExecutorService senders) {
        for (var call : answered) infos.add(CompletableFuture.supplyAsync(() -> info(call), senders));
        long me = Thread.currentThread().threadId();
        Awaitility.await().atMost(WAIT).until(() -> threadsWaitingFor(me) >= 2);
    }
}
