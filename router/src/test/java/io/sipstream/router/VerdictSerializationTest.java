package io.sipstream.router;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.DeadLetter;
import io.sipstream.avro.Direction;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.Trunk;
import io.sipstream.platform.config.Settings;
import io.sipstream.router.topology.RouterTopology;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** With the properties RouterService runs with, a verdict the serializer refuses is a dead letter, not a failed thread. */
class VerdictSerializationTest {

    @Test
    void shouldDeadLetterAVerdictTheSerializerRefusesAndGoOn(@TempDir Path dir) {
        String url = SerdeConfig.MEMORY_SCHEME + "router-production-" + UUID.randomUUID();
        RouterConfig config = RouterConfig.from(Settings.of(Map.of("kafka.bootstrap", "unused:9092",
                "schema.registry.url", url, "router.application.id", "router-production-test",
                "router.state.dir", dir.toString())));
        SerdeConfig serdes = config.kafka().serdes();
        // Given the registry holds a schema for call.verdicts that RoutingVerdict cannot evolve from (it refuses to register it)
        serdes.client().register(Topics.CALL_VERDICTS.name() + "-value", new Schema.Parser().parse(
                "{\"type\":\"record\",\"name\":\"Legacy\",\"fields\":[{\"name\":\"n\",\"type\":\"int\"}]}"));
        try (TopologyTestDriver driver = new TopologyTestDriver(RouterTopology.build(config.options(v -> {})),
                RouterService.streamsProperties(config), Instant.parse("2026-01-05T10:00:00Z"))) {
            var accounts = driver.createInputTopic(Topics.REGISTRY_ACCOUNTS.name(), new StringSerializer(),
                    Topics.REGISTRY_ACCOUNTS.valueSerde(serdes).serializer());
            var trunks = driver.createInputTopic(Topics.REGISTRY_TRUNKS.name(), new StringSerializer(),
                    Topics.REGISTRY_TRUNKS.valueSerde(serdes).serializer());
            var attempts = driver.createInputTopic(Topics.CALL_ATTEMPTS.name(), new StringSerializer(),
                    Topics.CALL_ATTEMPTS.valueSerde(serdes).serializer());
            TestOutputTopic<String, DeadLetter> deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(),
                    new StringDeserializer(), Topics.DEAD_LETTERS.valueSerde(serdes).deserializer());
            TestOutputTopic<String, byte[]> verdicts = driver.createOutputTopic(Topics.CALL_VERDICTS.name(),
                    new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
            trunks.pipeInput("t1", Trunk.newBuilder().setTrunkId("t1").setHost("198.51.100.1").setPort(5060).build());
            accounts.pipeInput("acme", Account.newBuilder().setAccountId("acme").setSipUsername("acme")
                    .setSipDomain("sipstream.local").setOutboundTrunk("t1").build());

            // When two attempts are decided (the thread must survive the first to decide the second)
            for (String callId : List.of("c1", "c2")) {
                attempts.pipeInput("acme", CallAttempt.newBuilder().setCallId(callId).setEdgeId("edge-0").setReplyPartition(0)
                        .setDirection(Direction.OUTBOUND).setAccountId("acme").setFromUser("acme").setDialled("+15551234567")
                        .setReceivedAt(Instant.parse("2026-01-05T10:00:00Z")).build());
            }

            // Then neither verdict is written and each attempt is a dead letter naming why
            assertThat(verdicts.isEmpty()).isTrue();
            List<DeadLetter> letters = deadLetters.readValuesToList();
            assertThat(letters).hasSize(2).allSatisfy(letter -> {
                assertThat(letter.getSourceTopic()).isEqualTo(Topics.CALL_ATTEMPTS.name());
                assertThat(letter.getService()).isEqualTo("router-production-test");
                // said by the production handler (before it, the processing handler caught the error as it bubbled up)
                assertThat(letter.getReason()).contains("output to call.verdicts could not be serialized (VALUE)",
                        "incompatible with an earlier schema");
            });
        } finally {
            SerdeConfig.dropMemoryScope(url);
        }
    }
}
