package io.sipstream.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class KafkaBrokerTest {

    @Test
    void shouldDeliverProducedRecordsToAConsumerGroup(LocalStack stack) throws Exception {
        // Given a topic with three partitions
        String topic = "test.round-trip";
        createTopic(stack, topic, 3);

        // When records are produced with acks=all
        try (KafkaProducer<String, String> producer = producer(stack, Map.of())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, "account-" + i, "call-" + i)).get();
            }
        }

        // Then a consumer group reads every one of them
        List<String> values = readAll(stack, topic, "round-trip-group", "read_uncommitted", 5);
        assertThat(values).containsExactlyInAnyOrder("call-0", "call-1", "call-2", "call-3", "call-4");
    }

    @Test
    void shouldRunTransactionsSoExactlyOnceAppsWork(LocalStack stack) throws Exception {
        // Given a topic and a transactional producer (what exactly_once_v2 Streams apps use)
        String topic = "test.transactions";
        createTopic(stack, topic, 1);
        try (KafkaProducer<String, String> producer = producer(stack,
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "local-stack-test-tx"))) {
            producer.initTransactions();

            // When one transaction aborts and the next commits
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "a", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "a", "committed"));
            producer.commitTransaction();
        }

        // Then a read_committed consumer sees only the committed record
        assertThat(readAll(stack, topic, "tx-group", "read_committed", 1)).containsExactly("committed");
    }

    static void createTopic(LocalStack stack, String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    static KafkaProducer<String, String> producer(LocalStack stack, Map<String, String> extra) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.putAll(extra);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    /** Polls until {@code expected} records arrived (or 30 s passed) and returns their values. */
    static List<String> readAll(LocalStack stack, String topic, String group, String isolation, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) values.add(record.value());
            }
            // one more short poll: a record beyond the expected count (e.g. an aborted one) must show up here
            consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(r.value()));
        }
        return values;
    }
}
