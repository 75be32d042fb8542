package io.sipstream.router;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.Direction;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.Trunk;
import io.sipstream.avro.VerdictAction;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.config.Settings;
import io.sipstream.schemas.TopicBootstrapper;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two routers on the real broker share the partitions; one stops mid-run and every attempt is still answered. */
@ExtendWith(LocalStackExtension.class)
class RouterServiceTest {
    private static final int ATTEMPTS = 600;

    @Test
    void shouldAnswerEveryAttemptWhenOneOfTwoRoutersStopsMidRun(LocalStack stack, @TempDir Path dir) throws Exception {
        // Given the registry holds a trunk and accounts on every partition, and two routers run with their own state dirs
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> accountIds = accountsOnEveryPartition(run);
        SerdeConfig serdes = new SerdeConfig(stack.schemaRegistryUrl(), null, true);
        Map<String, Object> producerProps = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 0);
        Settings settings = Settings.of(Map.of(
                "kafka.bootstrap", stack.bootstrapServers(),
                "schema.registry.url", stack.schemaRegistryUrl(),
                "router.application.id", "router-it-" + run,
                "router.threads", "1",
                "router.session.timeout", "6s",
                "api.key", "router-test-api-key-0123456789", "http.port", "0"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            new TopicBootstrapper(admin, (short) 1).ensureAll();
        }
        ServiceContext ctxA = ServiceContext.create(settings);
        ServiceContext ctxB = ServiceContext.create(settings);
        RouterService a = null;
        RouterService b = null;
        try (KafkaProducer<String, Account> accounts = new KafkaProducer<>(producerProps, new StringSerializer(), Topics.REGISTRY_ACCOUNTS.valueSerde(serdes).serializer());
             KafkaProducer<String, Trunk> trunks = new KafkaProducer<>(producerProps, new StringSerializer(), Topics.REGISTRY_TRUNKS.valueSerde(serdes).serializer());
             KafkaProducer<String, CallAttempt> attempts = new KafkaProducer<>(producerProps, new StringSerializer(), Topics.CALL_ATTEMPTS.valueSerde(serdes).serializer());
             KafkaConsumer<String, RoutingVerdict> verdicts = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                     ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                     new StringDeserializer(), Topics.CALL_VERDICTS.valueSerde(serdes).deserializer())) {
            trunks.send(new ProducerRecord<>(Topics.REGISTRY_TRUNKS.name(), "t-" + run,
                    Trunk.newBuilder().setTrunkId("t-" + run).setHost("198.51.100.7").build())).get();
            for (String id : accountIds) {
                accounts.send(new ProducerRecord<>(Topics.REGISTRY_ACCOUNTS.name(), id, Account.newBuilder()
                        .setAccountId(id).setSipUsername(id).setSipDomain("sipstream.local")
                        .setDefaultCallerId("+15551230001").setOutboundTrunk("t-" + run)
                        .setAllowUnratedCalls(true).build())); // no rate deck: not what this test is about
            }
            accounts.flush();
            a = RouterService.start(RouterConfig.from(settings.with(Map.of("router.state.dir", Files.createDirectories(dir.resolve("a")).toString()))), ctxA);
            b = RouterService.start(RouterConfig.from(settings.with(Map.of("router.state.dir", Files.createDirectories(dir.resolve("b")).toString()))), ctxB);
            RouterService first = a, second = b;
            await().atMost(Duration.ofSeconds(60)).until(() -> first.state() == KafkaStreams.State.RUNNING
                    && second.state() == KafkaStreams.State.RUNNING);
            assertThat(ctxA.health().check().up()).isTrue();

            List<TopicPartition> partitions = IntStream.range(0, Topics.CALL_VERDICTS.partitions())
                    .mapToObj(p -> new TopicPartition(Topics.CALL_VERDICTS.name(), p)).toList();
            verdicts.assign(partitions);
            verdicts.seekToEnd(partitions);
            partitions.forEach(verdicts::position);
            Map<String, ConsumerRecord<String, RoutingVerdict>> answered = new ConcurrentHashMap<>();

            // When attempts for every account flow, both routers answer them ...
            int perPhase = ATTEMPTS / 3;
            send(attempts, run, accountIds, 0, perPhase);
            awaitAnswered(verdicts, answered, run, perPhase);
            assertThat(routed(ctxA)).as("verdicts by router A").isPositive();
            assertThat(routed(ctxB)).as("verdicts by router B").isPositive();
            // ... and router A stops while more are in flight
            send(attempts, run, accountIds, perPhase, 2 * perPhase);
            a.close();
            send(attempts, run, accountIds, 2 * perPhase, ATTEMPTS);

            // Then every attempt gets its verdict, on the partition its edge reads
            awaitAnswered(verdicts, answered, run, ATTEMPTS);
            assertThat(answered).hasSize(ATTEMPTS);
            answered.forEach((callId, record) -> {
                int i = Integer.parseInt(callId.substring(callId.lastIndexOf('-') + 1));
                assertThat(record.partition()).as("partition of %s", callId).isEqualTo(i % 8);
                assertThat(record.value().getEdgeId()).isEqualTo("edge-" + (i % 8));
                assertThat(record.value().getAccountId()).isEqualTo(accountIds.get(i % accountIds.size()));
                assertThat(record.value().getAction()).as(record.value().getReason()).isEqualTo(VerdictAction.ROUTE);
                assertThat(record.value().getDestination()).isEqualTo("+1555" + String.format("%07d", i));
            });
            assertThat(ctxB.health().check().up()).as("router B healthy").isTrue();
            assertThat(ctxB.metrics().scrape()).contains("sipstream_router_verdicts_total{action=\"ROUTE\",status=\"0\"}");
        } finally {
            if (a != null) a.close();
            if (b != null) b.close();
        }
    }

    /** One account id for each partition of call.attempts, so that both routers have work. */
    private static List<String> accountsOnEveryPartition(String run) {
        Map<Integer, String> byPartition = new java.util.TreeMap<>();
        for (int i = 0; byPartition.size() < Topics.ACCOUNT_PARTITIONS; i++) {
            String id = "it-" + run + "-" + i;
            byPartition.putIfAbsent(Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % Topics.ACCOUNT_PARTITIONS, id);
        }
        return List.copyOf(byPartition.values());
    }

    private static void send(KafkaProducer<String, CallAttempt> producer, String run, List<String> accountIds, int from, int to) {
        for (int i = from; i < to; i++) {
            String accountId = accountIds.get(i % accountIds.size());
            producer.send(new ProducerRecord<>(Topics.CALL_ATTEMPTS.name(), accountId, CallAttempt.newBuilder()
                    .setCallId(run + "-" + i).setEdgeId("edge-" + (i % 8)).setReplyPartition(i % 8)
                    .setDirection(Direction.OUTBOUND).setAccountId(accountId).setFromUser(accountId)
                    .setDialled("+1555" + String.format("%07d", i)).setReceivedAt(Instant.now()).build()));
        }
        producer.flush();
    }

    private static void awaitAnswered(KafkaConsumer<String, RoutingVerdict> consumer,
                                      Map<String, ConsumerRecord<String, RoutingVerdict>> answered, String run, int count) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
            poll(consumer, answered, run);
            return answered.size() >= count;
        });
    }

    private static double routed(ServiceContext ctx) {
        return ctx.metrics().get(RouterService.VERDICTS_METER).tags("action", "ROUTE").counter().count();
    }

    private static void poll(KafkaConsumer<String, RoutingVerdict> consumer, Map<String, ConsumerRecord<String, RoutingVerdict>> answered,
                             String run) {
        for (ConsumerRecord<String, RoutingVerdict> r : consumer.poll(Duration.ofMillis(50))) {
            if (r.key().startsWith(run + "-")) answered.putIfAbsent(r.key(), r);
        }
    }
}
