package io.sipstream.router.topology;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.NumberAssignment;
import io.sipstream.localstack.FailingRegistryProxy;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.config.Settings;
import io.sipstream.router.RouterConfig;
import io.sipstream.router.RouterService;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.SchemaIds;
import io.sipstream.schemas.Topic;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * Every subject the router's topology writes (verdicts, the inbound repartition, dead letters, the
 * tables' stores) has its schema id from the start-up step: once the streams run, no stream thread
 * asks the registry for one. Against the local registry behind a proxy that answers 500 to the first
 * registrations and counts what it is asked.
 */
@ExtendWith(LocalStackExtension.class)
class RouterSchemaIdsTest {

    @Test
    void shouldAskTheRegistryForNoSchemaIdOnceStarted(LocalStack stack, @TempDir Path stateDir) {
        String applicationId = "router-ids-" + UUID.randomUUID().toString().substring(0, 8);
        // what the registry, billing and the edge wrote, with their own registrations
        SerdeConfig others = new SerdeConfig(stack.schemaRegistryUrl(), null, true);
        CallAttempt outbound = CallAttempt.newBuilder().setCallId("ids-out").setEdgeId("edge-0").setReplyPartition(0)
                .setDirection(Direction.OUTBOUND).setAccountId("acme").setFromUser("acme").setDialled("+15557654321")
                .setReceivedAt(RouterDriver.START).build();
        CallAttempt inbound = CallAttempt.newBuilder(outbound).setCallId("ids-in").setDirection(Direction.INBOUND)
                .setAccountId(null).setSourceTrunkId("t1").setFromUser("+12125550100").setDialled("+15551230009").build();
        CallEvent answered = CallEvent.newBuilder().setEventId("ids-c1:ANSWERED:0").setCallId("ids-c1").setAccountId("acme")
                .setType(CallEventType.ANSWERED).setDirection(Direction.OUTBOUND).setOccurredAt(RouterDriver.START)
                .setStartedAt(RouterDriver.START).build();
        BlockDecision open = BlockDecision.newBuilder().setAccountId("acme").setBlocked(false).setBalance(Money.ZERO)
                .setCurrency("USD").setLivePerMinute(Money.ZERO).setDecidedAt(RouterDriver.START).build();

        try (FailingRegistryProxy registry = FailingRegistryProxy.start(stack.schemaRegistryUrl(), 2)) {
            RouterConfig config = RouterConfig.from(Settings.of(Map.of("kafka.bootstrap", "unused:9092",
                    "schema.registry.url", registry.url(), "router.application.id", applicationId,
                    "router.state.dir", stateDir.toString())));
            SchemaIds.resolveAll(config.kafka().serdes(), RouterTopology.writers(applicationId),
                    new SchemaIds.Retry(Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(20)));
            assertThat(registry.failuresLeft()).isZero();
            int started = registry.requests().size();

            try (TopologyTestDriver driver = new TopologyTestDriver(RouterTopology.build(config.options(v -> { })),
                    RouterService.streamsProperties(config), RouterDriver.START)) {
                pipe(driver, others, Topics.REGISTRY_TRUNKS, "t1", trunk("t1").build());
                pipe(driver, others, Topics.REGISTRY_ACCOUNTS, "acme", account("acme").setMaxConcurrentCalls(5).build());
                pipe(driver, others, Topics.REGISTRY_ACCOUNTS, "bob", account("bob").setNumbers(List.of("+15551230009")).build());
                pipe(driver, others, Topics.REGISTRY_NUMBERS, "+15551230009",
                        NumberAssignment.newBuilder().setNumber("+15551230009").setAccountId("bob").build());
                pipe(driver, others, Topics.BILLING_BLOCKS, "acme", open);
                pipe(driver, others, Topics.BILLING_RATES, "default:1", RouterDriver.rateRow("default", "1", "0.01").build());
                pipe(driver, others, Topics.CALL_EVENTS, "acme", answered);
                pipe(driver, others, Topics.CALL_ATTEMPTS, "acme", outbound);
                pipe(driver, others, Topics.CALL_ATTEMPTS, "+15551230009", inbound);
                driver.createInputTopic(Topics.CALL_ATTEMPTS.name(), new StringSerializer(), new ByteArraySerializer())
                        .pipeInput("acme", "not avro".getBytes()); // a dead letter

                assertThat(driver.createOutputTopic(Topics.CALL_VERDICTS.name(), new StringDeserializer(), new ByteArrayDeserializer())
                        .readKeyValuesToMap()).containsOnlyKeys("ids-out", "ids-in");
                assertThat(driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(), new ByteArrayDeserializer())
                        .readRecordsToList()).hasSize(1);
            }
            assertThat(registry.requests().subList(started, registry.requests().size()))
                    .as("registry requests once the streams ran").noneMatch(r -> r.startsWith("POST"));
        }
    }

    private static <V extends SpecificRecord> void pipe(TopologyTestDriver driver, SerdeConfig serdes, Topic<V> topic, String key, V value) {
        byte[] bytes = topic.valueSerde(serdes).serializer().serialize(topic.name(), value);
        driver.createInputTopic(topic.name(), new StringSerializer(), new ByteArraySerializer()).pipeInput(key, bytes);
    }
}
