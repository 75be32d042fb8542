package io.sipstream.edge.bus;

import static io.sipstream.edge.support.FakeRouter.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import io.sipstream.edge.support.CallIdMatch;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.EventTap;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sip.message.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge through a Kafka outage, on a stack of its own whose broker the test stops and starts again. The
 * router cannot answer without Kafka, so no call starts meanwhile; what must go on is what needs no broker:
 * the calls already up end, their ends are journalled at once (the journal is written on a thread that never
 * waits on Kafka: a send waits up to 10 s for the topic's metadata while no broker answers), SIP answers, the
 * health says Kafka is out; and once the broker is back, the ends are published and the calls forgotten.
 */
class KafkaOutageTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /**
     * What "at once" means here: far under the 10 s a send waits for metadata (the stall this test is about),
     * and far over what a busy CI machine adds (a 100 ms bound failed at 109 ms on two loaded cores).
     */
    private static final long SIP_ANSWER_MILLIS = 1000;

    @Test
    void shouldJournalCallEndsAtOnceAndKeepAnsweringSipWhileKafkaIsDownThenPublishThem(@TempDir Path copies) throws Exception {
        try (LocalStack stack = LocalStack.builder().start();
             EdgeFixture edge = EdgeFixture.start(stack, Map.of());
             FakeRouter router = new FakeRouter(edge.kafka, 1);
             EventTap events = new EventTap(edge.kafka);
             TestUserAgent phone = TestUserAgent.start("outage-phone");
             TestUserAgent trunk = TestUserAgent.start("outage-trunk")) {
            // Given two calls up, their ANSWERED published
            edge.account("alice", "secret-a", true);
            edge.publishTrunk(EdgeFixture.trunk("outage-t1", trunk.port()).build());
            router.policy(a -> route(a, FakeRouter.trunk("outage-t1", "sip:+15557654321@127.0.0.1:" + trunk.port(),
                    "+15551230001")).build());
            var first = phone.call(edge.uri("+15557654321"), "alice", "secret-a");
            assertThat(first.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
            var second = phone.call(edge.uri("+15557654322"), "alice", "secret-a");
            assertThat(second.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
            events.await(first.callId(), CallEventType.ANSWERED, WAIT);
            events.await(second.callId(), CallEventType.ANSWERED, WAIT);
            // SIP warm before it is timed
            assertThat(phone.options(edge.uri("edge")).getStatusCode()).isEqualTo(Response.OK);
            assertThat(phone.register(edge.uri("alice"), "alice", "secret-a", 60, null).getStatusCode()).isEqualTo(Response.OK);

            // When the broker stops, and both calls end during the outage, a moment apart
            stack.stopKafka();
            Thread.sleep(1000); // the producers see the broker gone and forget the topics' metadata
            first.bye();
            Awaitility.await().atMost(WAIT).until(() -> journalledEnd(edge.journalDir(), copies, first.callId()) != null);
            Thread.sleep(500); // the first end's send now waits for metadata no broker gives
            second.bye();

            // Then the second end is in the journal file at once, not after the first's send has given up
            Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> journalledEnd(edge.journalDir(), copies, second.callId()) != null);
            // and SIP answers at once: OPTIONS, and a REGISTER through its digest challenge (Redis is up)
            long started = System.nanoTime();
            assertThat(phone.options(edge.uri("edge")).getStatusCode()).isEqualTo(Response.OK);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(SIP_ANSWER_MILLIS));
            started = System.nanoTime();
            assertThat(phone.register(edge.uri("alice"), "alice", "secret-a", 60, null).getStatusCode())
                    .isEqualTo(Response.OK);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(SIP_ANSWER_MILLIS));
            // and the health says the events wait for Kafka
            Awaitility.await().atMost(WAIT).untilAsserted(() -> {
                var kafka = edge.ctx.health().check().checks().get("sip-edge.kafka");
                assertThat(kafka.up()).as(kafka.detail()).isFalse();
                assertThat(kafka.detail()).contains("call events unpublished");
            });
            assertThat(edge.edge.journalledCalls()).as("both ends journalled, neither acknowledged").isEqualTo(2);
            assertThat(unpublished(edge)).as("at least the two ends wait for Kafka").isGreaterThanOrEqualTo(2);
            assertThat(edge.ctx.metrics().get("sipstream.edge.events.queued").gauge().value()).as("none waits for the journal").isZero();

            // When the broker is back
            stack.restartKafka();

            // Then both ends are published as the calls ended (hung up by the caller, not ended by a restart's recovery)
            for (var call : List.of(first, second)) {
                CallEvent ended = events.await(call.callId(), CallEventType.ENDED, WAIT);
                assertThat(ended.getHangupBy()).isEqualTo(HangupParty.CALLER);
                assertThat(ended.getDurationMillis()).isPositive();
            }
            Awaitility.await().atMost(WAIT).until(() -> edge.edge.journalledCalls() == 0);
            Awaitility.await().atMost(WAIT).until(() -> unpublished(edge) == 0);
            Awaitility.await().atMost(WAIT).until(() -> edge.ctx.health().check().checks().get("sip-edge.kafka").up());
        }
    }

    private static double unpublished(EdgeFixture edge) {
        return edge.ctx.metrics().get("sipstream.edge.events.unpublished").gauge().value();
    }

    /**
     * The closing event the journal file holds of a call as the call ended it (a journal without it would end the
     * call at its last heartbeat, SYSTEM), read from a copy: the edge appends to the file meanwhile.
     */
    private static CallEvent journalledEnd(Path journalDir, Path copies, String sipCallId) throws IOException {
        Path copy = Files.createTempDirectory(copies, "journal");
        Files.copy(journalDir.resolve(CallJournal.FILE), copy.resolve(CallJournal.FILE));
        return new CallJournal(copy).recoverLostCalls("copy").stream()
                .filter(e -> CallIdMatch.matches(e.getCallId(), sipCallId) && e.getHangupBy() == HangupParty.CALLER)
                .findFirst().orElse(null);
    }
}
