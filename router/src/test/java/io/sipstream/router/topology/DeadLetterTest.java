package io.sipstream.router.topology;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.DeadLetter;
import io.sipstream.avro.Direction;
import io.sipstream.avro.VerdictAction;
import io.sipstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

/** Records the router cannot act on go to dead.letters with the reason, and routing goes on. */
class DeadLetterTest {
    private RouterDriver d;

    @BeforeEach
    void setUp() {
        d = new RouterDriver();
        d.put(trunk("t1"));
        d.put(account("acme"));
    }

    @AfterEach
    void tearDown() { d.close(); }

    private DeadLetter onlyDeadLetter() {
        assertThat(d.verdicts.isEmpty()).isTrue();
        var letters = d.deadLetters.readValuesToList();
        assertThat(letters).hasSize(1);
        return letters.getFirst();
    }

    private void assertStillRouting() {
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldDeadLetterAnUnreadableAttemptAndKeepRouting() {
        TestInputTopic<String, byte[]> raw = d.driver.createInputTopic(Topics.CALL_ATTEMPTS.name(),
                new StringSerializer(), new ByteArraySerializer());
        raw.pipeInput("acme", "not avro".getBytes(StandardCharsets.UTF_8));
        DeadLetter letter = onlyDeadLetter();
        assertThat(letter.getSourceTopic()).isEqualTo("call.attempts");
        assertThat(letter.getService()).isEqualTo("router-test");
        assertThat(StandardCharsets.UTF_8.decode(letter.getValue()).toString()).isEqualTo("not avro");
        assertStillRouting();
    }

    @Test
    void shouldSkipAnUnreadableRegistryRecordAndKeepRouting() {
        for (var topic : java.util.List.of(Topics.REGISTRY_NUMBERS, Topics.REGISTRY_TRUNKS, Topics.REGISTRY_ACCOUNTS, Topics.BILLING_BLOCKS)) {
            d.driver.createInputTopic(topic.name(), new StringSerializer(), new ByteArraySerializer())
                    .pipeInput("garbage", new byte[] {0, 0, 0, 0, 42});
        }
        d.assign("+15551230002", "acme");
        assertStillRouting();
    }

    @Test
    void shouldDeadLetterAnAttemptWithoutValue() {
        d.attempts.pipeInput("acme", (CallAttempt) null);
        assertThat(onlyDeadLetter().getReason()).contains("call attempt with key 'acme' has no value");
        assertStillRouting();
    }

    @Test
    void shouldDeadLetterAnAttemptWithAReplyPartitionNoEdgeReads() {
        d.attempts.pipeInput("acme", d.outbound("acme", "+15551234567").setReplyPartition(99).build());
        assertThat(onlyDeadLetter().getReason()).contains("has replyPartition 99, call.verdicts has partitions 0..7");
        assertStillRouting();
    }

    @Test
    void shouldDeadLetterAnAttemptWithoutCallId() {
        d.attempts.pipeInput("acme", d.outbound("acme", "+15551234567").setCallId(" ").build());
        assertThat(onlyDeadLetter().getReason()).contains("without callId");
    }

    @Test
    void shouldDeadLetterAnOutboundAttemptKeyedByAnotherAccount() {
        d.attempts.pipeInput("other", d.outbound("acme", "+15551234567").build());
        assertThat(onlyDeadLetter().getReason()).contains("is keyed by 'other' but is for account 'acme'");
        assertStillRouting();
    }

    @Test
    void shouldDeadLetterAnInboundAttemptWithoutEdge() {
        d.attempts.pipeInput("+15551230009", d.inbound("+15551230009", "x").setEdgeId("").build());
        assertThat(onlyDeadLetter().getReason()).contains("has no edgeId");
    }

    @Test
    void shouldDeadLetterACallEventKeyedByAnotherAccount() {
        d.put(account("other").setMaxConcurrentCalls(1)); // the events of an account without a limit are not read
        d.events.pipeInput("other", CallEvent.newBuilder().setEventId("e1").setCallId("c1").setAccountId("acme")
                .setType(CallEventType.ATTEMPT).setDirection(Direction.OUTBOUND)
                .setOccurredAt(RouterDriver.START).setStartedAt(RouterDriver.START).build());
        DeadLetter letter = onlyDeadLetter();
        assertThat(letter.getSourceTopic()).isEqualTo("call.events");
        assertThat(letter.getReason()).contains("call event e1 is keyed by 'other'");
        assertStillRouting();
    }
}
