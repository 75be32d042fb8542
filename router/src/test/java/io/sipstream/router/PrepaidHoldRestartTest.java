package io.sipstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.Rate;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.Trunk;
import io.sipstream.avro.VerdictAction;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.config.Settings;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.TopicBootstrapper;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a routed prepaid call holds of its balance survives the router: given a router that routed a
 * call capped by all of a balance, when it stops and another starts on an empty state directory,
 * then the next call of the account is still refused (the hold is restored from its changelog) until
 * the first call's end arrives.
 */
@ExtendWith(LocalStackExtension.class)
class PrepaidHoldRestartTest {
    private static final String CALLED = "+15551234567";

    @Test
    void shouldKeepAHoldAcrossARestartOnAnEmptyStateDirectory(LocalStack stack, @TempDir Path dir) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String accountId = "hold-" + run;
        SerdeConfig serdes = new SerdeConfig(stack.schemaRegistryUrl(), null, true);
        Settings settings = Settings.of(Map.of(
                "kafka.bootstrap", stack.bootstrapServers(),
                "schema.registry.url", stack.schemaRegistryUrl(),
                "router.application.id", "router-hold-" + run,
                "router.threads", "1",
                "router.session.timeout", "6s",
                "api.key", "router-test-api-key-0123456789", "http.port", "0"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            new TopicBootstrapper(admin, (short) 1).ensureAll();
        }
        AtomicInteger calls = new AtomicInteger();
        RouterService router = null;
        try (KafkaConsumer<String, RoutingVerdict> verdicts = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                     new StringDeserializer(), Topics.CALL_VERDICTS.valueSerde(serdes).deserializer());
             Producers out = new Producers(stack, serdes)) {
            TopicPartition mine = new TopicPartition(Topics.CALL_VERDICTS.name(), 0);
            verdicts.assign(List.of(mine));
            verdicts.seekToEnd(List.of(mine));
            verdicts.position(mine);

            // Given a prepaid account whose balance (0.60) buys one minute at 0.60 a minute, billed by the second
            out.send(Topics.REGISTRY_TRUNKS.name(), "t-" + run, Trunk.newBuilder().setTrunkId("t-" + run).setHost("198.51.100.9").build());
            out.send(Topics.REGISTRY_ACCOUNTS.name(), accountId, Account.newBuilder().setAccountId(accountId)
                    .setSipUsername(accountId).setSipDomain("sipstream.local").setOutboundTrunk("t-" + run).setPrepaid(true).build());
            out.send(Topics.BILLING_BLOCKS.name(), accountId, BlockDecision.newBuilder().setAccountId(accountId).setBlocked(false)
                    .setPrepaid(true).setBalance(Money.parse("0.60")).setCurrency("USD").setDecidedAt(Instant.now()).build());
            out.send(Topics.BILLING_RATES.name(), "default:1", Rate.newBuilder().setDeckId("default").setPrefix("1")
                    .setPricePerMinute(Money.parse("0.60")).setCurrency("USD").setFirstIncrement(1).setNextIncrement(1).build());

            // and a router that routed one call of it, capped by all of the balance
            router = start(settings, dir.resolve("first"));
            RoutingVerdict first = untilRouted(out, verdicts, accountId, run, calls);
            assertThat(first.getMaxDurationSeconds()).isEqualTo(59);

            // When the router stops and another starts on an empty state directory
            router.close();
            router = start(settings, dir.resolve("second"));

            // Then the next call is refused: the first still holds the balance
            RoutingVerdict second = decide(out, verdicts, accountId, run + "-" + calls.incrementAndGet());
            assertThat(second.getAction()).as(second.getReason()).isEqualTo(VerdictAction.REJECT);
            assertThat(second.getSipStatus()).isEqualTo(402);
            assertThat(second.getReason()).contains("0.600000 of it held for 1 call");

            // and once the first call's end is reported, the balance is free again
            out.send(Topics.CALL_EVENTS.name(), accountId, CallEvent.newBuilder().setEventId(first.getCallId() + ":ENDED:0")
                    .setCallId(first.getCallId()).setAccountId(accountId).setType(CallEventType.ENDED).setDirection(Direction.OUTBOUND)
                    .setOccurredAt(Instant.now()).setStartedAt(Instant.now()).build());
            assertThat(untilRouted(out, verdicts, accountId, run, calls).getMaxDurationSeconds()).isEqualTo(59);
        } finally {
            if (router != null) router.close();
        }
    }

    private static RouterService start(Settings settings, Path stateDir) throws Exception {
        RouterService router = RouterService.start(RouterConfig.from(settings.with(Map.of("router.state.dir",
                Files.createDirectories(stateDir).toString()))), ServiceContext.create(settings));
        await().atMost(Duration.ofSeconds(60)).until(() -> router.state() == KafkaStreams.State.RUNNING);
        return router;
    }

    /** Attempts until one is routed: the router may read an attempt before the account's records. */
    private static RoutingVerdict untilRouted(Producers out, KafkaConsumer<String, RoutingVerdict> verdicts, String accountId,
                                              String run, AtomicInteger calls) {
        RoutingVerdict[] routed = new RoutingVerdict[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            RoutingVerdict v = decide(out, verdicts, accountId, run + "-" + calls.incrementAndGet());
            routed[0] = v;
            return v.getAction() == VerdictAction.ROUTE;
        });
        return routed[0];
    }

    private static RoutingVerdict decide(Producers out, KafkaConsumer<String, RoutingVerdict> verdicts, String accountId, String callId) {
        out.send(Topics.CALL_ATTEMPTS.name(), accountId, CallAttempt.newBuilder().setCallId(callId).setEdgeId("edge-0")
                .setReplyPartition(0).setDirection(Direction.OUTBOUND).setAccountId(accountId).setFromUser(accountId)
                .setDialled(CALLED).setReceivedAt(Instant.now()).build());
        RoutingVerdict[] found = new RoutingVerdict[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            verdicts.poll(Duration.ofMillis(100)).forEach(r -> { if (r.key().equals(callId)) found[0] = r.value(); });
            return found[0] != null;
        });
        return found[0];
    }

    /** One producer per value type, each record sent and acknowledged before the next. */
    private static final class Producers implements AutoCloseable {
        private final Map<String, KafkaProducer<String, Object>> byTopic;

        @SuppressWarnings("unchecked")
        Producers(LocalStack stack, SerdeConfig serdes) {
            Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                    ProducerConfig.LINGER_MS_CONFIG, 0);
            byTopic = Map.of(
                    Topics.REGISTRY_TRUNKS.name(), producer(props, (Serializer<Object>) (Serializer<?>) Topics.REGISTRY_TRUNKS.valueSerde(serdes).serializer()),
                    Topics.REGISTRY_ACCOUNTS.name(), producer(props, (Serializer<Object>) (Serializer<?>) Topics.REGISTRY_ACCOUNTS.valueSerde(serdes).serializer()),
                    Topics.BILLING_BLOCKS.name(), producer(props, (Serializer<Object>) (Serializer<?>) Topics.BILLING_BLOCKS.valueSerde(serdes).serializer()),
                    Topics.BILLING_RATES.name(), producer(props, (Serializer<Object>) (Serializer<?>) Topics.BILLING_RATES.valueSerde(serdes).serializer()),
                    Topics.CALL_ATTEMPTS.name(), producer(props, (Serializer<Object>) (Serializer<?>) Topics.CALL_ATTEMPTS.valueSerde(serdes).serializer()),
                    Topics.CALL_EVENTS.name(), producer(props, (Serializer<Object>) (Serializer<?>) Topics.CALL_EVENTS.valueSerde(serdes).serializer()));
        }

        private static KafkaProducer<String, Object> producer(Map<String, Object> props, Serializer<Object> values) {
            return new KafkaProducer<>(props, new StringSerializer(), values);
        }

        void send(String topic, String key, Object value) {
            try {
                byTopic.get(topic).send(new ProducerRecord<>(topic, key, value)).get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("cannot send to " + topic + ": " + e, e);
            }
        }

        @Override
        public void close() { byTopic.values().forEach(KafkaProducer::close); }
    }
}
