package io.sipstream.billing;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CreditChange;
import io.sipstream.avro.RatedCdr;
import io.sipstream.localstack.LocalStack;
import io.sipstream.platform.config.Settings;
import io.sipstream.schemas.TopicBootstrapper;
import io.sipstream.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import io.sipstream.schemas.serde.SerdeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producers and read_committed readers of billing's topics on the local stack. */
final class StackSupport implements AutoCloseable {
    final LocalStack stack;
    final SerdeConfig serdes;
    private final KafkaProducer<String, CallEvent> events;
    private final KafkaProducer<String, CreditChange> credits;
    private final KafkaProducer<String, Account> accounts;

    StackSupport(LocalStack stack) {
        this.stack = stack;
        this.serdes = new SerdeConfig(stack.schemaRegistryUrl(), null, true);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            new TopicBootstrapper(admin, (short) 1).ensureAll(); // readers may start before billing creates them
        }
        events = producer(Topics.CALL_EVENTS.valueSerde(serdes).serializer());
        credits = producer(Topics.BILLING_CREDITS.valueSerde(serdes).serializer());
        accounts = producer(Topics.REGISTRY_ACCOUNTS.valueSerde(serdes).serializer());
    }

    /** Settings of a billing instance of its own (application id, state dir) on the stack. */
    Map<String, String> billingSettings(String appId, Path stateDir) {
        Map<String, String> s = new HashMap<>();
        s.put("kafka.bootstrap", stack.bootstrapServers());
        s.put("schema.registry.url", stack.schemaRegistryUrl());
        s.put("billing.application.id", appId);
        s.put("billing.state.dir", stateDir.toString());
        s.put("billing.commit.interval", "100ms");
        s.put("kafka.client.session.timeout.ms", "6000");
        s.put("kafka.client.heartbeat.interval.ms", "1000");
        return s;
    }

    BillingConfig config(String appId, Path stateDir) {
        return BillingConfig.from(Settings.of(billingSettings(appId, stateDir)));
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String unique(String prefix) { return prefix + "-" + UUID.randomUUID().toString().substring(0, 8); }

    private <V> KafkaProducer<String, V> producer(org.apache.kafka.common.serialization.Serializer<V> values) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(props, new StringSerializer(), values);
    }

    void send(CallEvent event) { events.send(new ProducerRecord<>(Topics.CALL_EVENTS.name(), event.getAccountId(), event)); }

    void send(CreditChange credit) {
        credits.send(new ProducerRecord<>(Topics.BILLING_CREDITS.name(), credit.getAccountId(), credit));
    }

    void send(Account account) {
        accounts.send(new ProducerRecord<>(Topics.REGISTRY_ACCOUNTS.name(), account.getAccountId(), account));
    }

    void flush() {
        events.flush();
        credits.flush();
        accounts.flush();
    }

    /** A read_committed reader of one topic from its beginning that keeps what it has read. */
    <V> Reader<V> reader(String topic, Deserializer<V> values) { return new Reader<>(topic, values); }

    List<RatedCdr> cdrsOf(Reader<RatedCdr> reader, java.util.Set<String> accounts) {
        reader.poll();
        return reader.values().stream().filter(c -> accounts.contains(c.getAccountId())).toList();
    }

    Reader<RatedCdr> cdrReader() { return reader(Topics.BILLING_CDRS.name(), Topics.BILLING_CDRS.valueSerde(serdes).deserializer()); }

    Reader<BlockDecision> blockReader() {
        return reader(Topics.BILLING_BLOCKS.name(), Topics.BILLING_BLOCKS.valueSerde(serdes).deserializer());
    }

    final class Reader<V> implements AutoCloseable {
        private final KafkaConsumer<String, V> consumer;
        private final List<ConsumerRecord<String, V>> records = new ArrayList<>();

        Reader(String topic, Deserializer<V> values) {
            Map<String, Object> props = new HashMap<>();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), values);
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Reads what is committed now (a short poll). */
        synchronized Reader<V> poll() {
            for (int i = 0; i < 3; i++) {
                var batch = consumer.poll(Duration.ofMillis(100));
                batch.forEach(records::add);
                if (batch.isEmpty()) break;
            }
            return this;
        }

        synchronized List<ConsumerRecord<String, V>> records() { return List.copyOf(records); }

        synchronized List<V> values() { return records.stream().map(ConsumerRecord::value).toList(); }

        /** The latest value per key (a compacted topic's view). */
        synchronized Map<String, V> latest() {
            Map<String, V> out = new HashMap<>();
            records.forEach(r -> out.put(r.key(), r.value()));
            return out;
        }

        @Override
        public synchronized void close() { consumer.close(); }
    }

    @Override
    public void close() {
        events.close();
        credits.close();
        accounts.close();
    }
}
