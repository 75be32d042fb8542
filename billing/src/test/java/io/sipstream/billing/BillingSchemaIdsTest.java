package io.sipstream.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.CreditChange;
import io.sipstream.avro.DeadLetter;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.Rate;
import io.sipstream.localstack.FailingRegistryProxy;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.config.Settings;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.SchemaIds;
import io.sipstream.schemas.Topic;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every subject billing's topology writes (CDRs, usage, blocks, dead letters, its stores' changelogs,
 * the rate decks' store) has its schema id from the start-up step: once the streams run, no stream
 * thread asks the registry for one. Against the local registry behind a proxy that answers 500 to
 * the first registrations and counts what it is asked.
 */
@ExtendWith(LocalStackExtension.class)
class BillingSchemaIdsTest {
    private static final Instant T0 = BillingDriver.T0;

    @Test
    void shouldAskTheRegistryForNoSchemaIdOnceStarted(LocalStack stack, @TempDir Path stateDir) {
        String applicationId = "billing-ids-" + UUID.randomUUID().toString().substring(0, 8);
        // what the registry, the loader, the REST API and the edge wrote, with their own registrations
        SerdeConfig others = new SerdeConfig(stack.schemaRegistryUrl(), null, true);

        try (FailingRegistryProxy registry = FailingRegistryProxy.start(stack.schemaRegistryUrl(), 2)) {
            BillingConfig config = BillingConfig.from(Settings.of(Map.of("kafka.bootstrap", "unused:9092",
                    "schema.registry.url", registry.url(), "billing.application.id", applicationId,
                    "billing.state.dir", stateDir.toString())));
            SchemaIds.resolveAll(config.kafka().serdes(), BillingTopology.writers(config.applicationId()),
                    new SchemaIds.Retry(Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(20)));
            assertThat(registry.failuresLeft()).isZero();
            int started = registry.requests().size();

            try (TopologyTestDriver driver = new TopologyTestDriver(BillingTopology.build(config), BillingStreams.properties(config), T0)) {
                pipe(driver, others, Topics.BILLING_RATES, "default:1", Rate.newBuilder().setDeckId("default").setPrefix("1")
                        .setPricePerMinute(Money.parse("0.60")).setCurrency("USD").build());
                pipe(driver, others, Topics.REGISTRY_ACCOUNTS, "acme", BillingDriver.account("acme").build());
                pipe(driver, others, Topics.BILLING_CREDITS, "acme", credit("USD"));
                pipe(driver, others, Topics.BILLING_CREDITS, "acme", credit("EUR")); // refused: a dead letter
                pipe(driver, others, Topics.CALL_EVENTS, "acme", event("ids-c1", CallEventType.ANSWERED, T0));
                pipe(driver, others, Topics.CALL_EVENTS, "acme", event("ids-c1", CallEventType.ENDED, T0));
                pipe(driver, others, Topics.CALL_EVENTS, "acme", event("ids-old", CallEventType.ENDED, T0.minus(Duration.ofDays(30))));
                driver.createInputTopic(Topics.CALL_EVENTS.name(), new StringSerializer(), new ByteArraySerializer())
                        .pipeInput("acme", "not avro".getBytes()); // a dead letter the handler writes

                assertThat(output(driver, Topics.BILLING_CDRS)).isNotZero();
                assertThat(output(driver, Topics.BILLING_USAGE)).isNotZero();
                assertThat(output(driver, Topics.BILLING_BLOCKS)).isNotZero();
                assertThat(driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(),
                        Topics.DEAD_LETTERS.valueSerde(others).deserializer()).readValuesToList())
                        .extracting(DeadLetter::getSourceTopic).contains(Topics.BILLING_CREDITS.name(), Topics.CALL_EVENTS.name());
            }
            assertThat(registry.requests().subList(started, registry.requests().size()))
                    .as("registry requests once the streams ran").noneMatch(r -> r.startsWith("POST"));
        }
    }

    private static CreditChange credit(String currency) {
        return CreditChange.newBuilder().setAccountId("acme").setIdempotencyKey("ids-" + currency).setAmount(Money.parse("10"))
                .setCurrency(currency).setCreatedAt(T0).build();
    }

    private static CallEvent event(String callId, CallEventType type, Instant startedAt) {
        CallEvent.Builder e = CallEvent.newBuilder().setEventId(callId + ":" + type + ":0").setCallId(callId).setAccountId("acme")
                .setType(type).setDirection(Direction.OUTBOUND).setEdgeId("edge-0").setTrunkId("t1").setCallerId("+15551230001")
                .setDestination("+15551234567").setStartedAt(startedAt).setAnsweredAt(startedAt.plusSeconds(5))
                .setOccurredAt(startedAt.plusSeconds(5));
        if (type == CallEventType.ENDED) {
            e.setOccurredAt(startedAt.plusSeconds(65)).setEndedAt(startedAt.plusSeconds(65)).setDurationMillis(60_000)
                    .setSipStatus(200).setHangupBy(HangupParty.CALLER);
        }
        return e.build();
    }

    private static <V extends SpecificRecord> void pipe(TopologyTestDriver driver, SerdeConfig serdes, Topic<V> topic, String key, V value) {
        byte[] bytes = topic.valueSerde(serdes).serializer().serialize(topic.name(), value);
        driver.createInputTopic(topic.name(), new StringSerializer(), new ByteArraySerializer()).pipeInput(key, bytes, T0);
    }

    private static int output(TopologyTestDriver driver, Topic<?> topic) {
        return driver.createOutputTopic(topic.name(), new StringDeserializer(), new ByteArrayDeserializer()).readRecordsToList().size();
    }
}
