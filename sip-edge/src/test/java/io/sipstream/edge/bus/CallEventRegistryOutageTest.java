package io.sipstream.edge.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.edge.support.EventTap;
import io.sipstream.localstack.FailingRegistryProxy;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.schemas.TopicBootstrapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call event whose schema id the registry could not give (500 to the first registrations) takes
 * the way of one a broker outage lost: kept in the journal and published again, not dropped.
 */
@ExtendWith(LocalStackExtension.class)
class CallEventRegistryOutageTest {

    private static KafkaSettings kafka(LocalStack stack, String registryUrl) {
        return KafkaSettings.from(Settings.of(Map.of("kafka.bootstrap", stack.bootstrapServers(), "schema.registry.url", registryUrl)));
    }

    @Test
    void shouldPublishAgainAnEventTheRegistryFailedToGiveASchemaIdFor(LocalStack stack, @TempDir Path dir) throws Exception {
        KafkaSettings real = kafka(stack, stack.schemaRegistryUrl());
        try (Admin admin = real.admin()) {
            new TopicBootstrapper(admin, (short) 1).ensureAll();
        }
        String callId = "registry-outage-" + System.nanoTime();
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis()); // what Avro's timestamp-millis keeps
        CallEvent attempt = CallEvent.newBuilder().setEventId(callId + ":ATTEMPT:0").setCallId(callId).setAccountId("outage-acc")
                .setType(CallEventType.ATTEMPT).setDirection(Direction.OUTBOUND).setOccurredAt(now)
                .setStartedAt(now).setCallerId("+15551230001").setDestination("+15557654321").setTrunkId("t1").build();
        CallJournal journal = new CallJournal(dir);
        try (FailingRegistryProxy registry = FailingRegistryProxy.start(stack.schemaRegistryUrl(), 2);
             EventTap events = new EventTap(real);
             KafkaCallEventPublisher publisher = new KafkaCallEventPublisher(kafka(stack, registry.url()), "registry-outage-events");
             JournalledEventSink sink = new JournalledEventSink(publisher, journal, Duration.ofMillis(100))) {
            sink.emit(attempt);

            CallEvent delivered = events.await(callId, CallEventType.ATTEMPT, Duration.ofSeconds(15));
            assertThat(delivered).isEqualTo(attempt);
            assertThat(registry.failuresLeft()).as("both injected 500s were met").isZero();
            assertThat(journal.liveCalls()).as("still the call's latest event, in the journal").isEqualTo(1);
        }
    }
}
