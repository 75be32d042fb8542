package io.sipstream.bench.router;

import io.sipstream.avro.CallAttempt;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The floor under the router's latency, measured in the same run: the same attempts, at the same
 * rate, through plain Kafka clients with the router's settings (linger 0, acks all), over one hop
 * (producer -> topic -> consumer) and over two (producer -> topic -> consume-produce relay ->
 * topic -> consumer), which is the router's path without Kafka Streams.
 */
final class KafkaHops {
    private static final int PARTITIONS = 6;

    static RouterThroughputBench.Latency oneHop(String bootstrap, SerdeConfig serdes, int rate, int seconds) throws Exception {
        String topic = "bench.hop." + System.nanoTime();
        create(bootstrap, topic);
        try (Timer timer = new Timer(bootstrap, serdes, topic)) {
            return send(bootstrap, serdes, topic, timer, rate, seconds);
        }
    }

    static RouterThroughputBench.Latency twoHops(String bootstrap, SerdeConfig serdes, int rate, int seconds) throws Exception {
        String in = "bench.relay-in." + System.nanoTime();
        String out = "bench.relay-out." + System.nanoTime();
        create(bootstrap, in);
        create(bootstrap, out);
        try (Timer timer = new Timer(bootstrap, serdes, out); Relay relay = new Relay(bootstrap, serdes, in, out)) {
            return send(bootstrap, serdes, in, timer, rate, seconds);
        }
    }

    /** Two hops through a Kafka Streams app that only forwards, run with the router's own properties. */
    static RouterThroughputBench.Latency streamsHops(String bootstrap, SerdeConfig serdes, Properties routerProps,
                                                    int rate, int seconds) throws Exception {
        String in = "bench.streams-in." + System.nanoTime();
        String out = "bench.streams-out." + System.nanoTime();
        create(bootstrap, in);
        create(bootstrap, out);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.String(), Topics.CALL_ATTEMPTS.valueSerde(serdes)))
                .to(out, Produced.with(Serdes.String(), Topics.CALL_ATTEMPTS.valueSerde(serdes)));
        Properties props = new Properties();
        props.putAll(routerProps);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-forward-" + System.nanoTime());
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("bench-forward").toString());
        try (Timer timer = new Timer(bootstrap, serdes, out); KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) Thread.sleep(50);
            return send(bootstrap, serdes, in, timer, rate, seconds);
        }
    }

    private static RouterThroughputBench.Latency send(String bootstrap, SerdeConfig serdes, String topic, Timer timer,
                                                      int rate, int seconds) throws Exception {
        int count = rate * seconds;
        int warm = 3 * rate; // the first three seconds warm the clients up and are not timed
        long interval = 1_000_000_000L / rate;
        try (KafkaProducer<String, CallAttempt> producer = producer(bootstrap, serdes)) {
            long next = System.nanoTime();
            for (int i = -warm; i < count; i++) {
                long wait = next - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
                String key = "hop-" + i;
                if (i >= 0) timer.sentAt.put(key, System.nanoTime());
                producer.send(new ProducerRecord<>(topic, key, RouterThroughputBench.attempt(key, "bench-" + Math.floorMod(i, 60), Math.floorMod(i, 1_000_000))));
                next += interval;
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (timer.latencies.size() < count && System.nanoTime() < deadline) Thread.sleep(5);
        double[] samples = timer.latencies.values().stream().mapToDouble(n -> n / 1e6).toArray();
        Arrays.sort(samples);
        return new RouterThroughputBench.Latency(samples, count - samples.length);
    }

    private static void create(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
    }

    private static KafkaProducer<String, CallAttempt> producer(String bootstrap, SerdeConfig serdes) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        Serializer<CallAttempt> values = Topics.CALL_ATTEMPTS.valueSerde(serdes).serializer();
        return new KafkaProducer<>(props, new StringSerializer(), values);
    }

    /** A consumer of every partition of a topic, from its end, with the router's fetch settings. */
    private static KafkaConsumer<String, CallAttempt> consumer(String bootstrap, SerdeConfig serdes, String topic) {
        Deserializer<CallAttempt> values = Topics.CALL_ATTEMPTS.valueSerde(serdes).deserializer();
        KafkaConsumer<String, CallAttempt> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), values);
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) partitions.add(new TopicPartition(topic, p));
        consumer.assign(partitions);
        partitions.forEach(consumer::position); // resolves metadata and offsets now, not while timing
        return consumer;
    }

    /** Reads the last topic and times each record from its send. */
    private static final class Timer implements AutoCloseable {
        final Map<String, Long> sentAt = new ConcurrentHashMap<>();
        final Map<String, Long> latencies = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Timer(String bootstrap, SerdeConfig serdes, String topic) {
            KafkaConsumer<String, CallAttempt> consumer = consumer(bootstrap, serdes, topic);
            thread = Thread.ofPlatform().name("hop-timer").start(() -> {
                try (consumer) {
                    while (running.get()) {
                        for (ConsumerRecord<String, CallAttempt> r : consumer.poll(Duration.ofMillis(100))) {
                            long now = System.nanoTime();
                            Long sent = sentAt.remove(r.key());
                            if (sent != null) latencies.put(r.key(), now - sent);
                        }
                    }
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    /** Consumes one topic and produces each record, as read, to another: a router without Kafka Streams. */
    private static final class Relay implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Relay(String bootstrap, SerdeConfig serdes, String in, String out) {
            KafkaConsumer<String, CallAttempt> consumer = consumer(bootstrap, serdes, in);
            KafkaProducer<String, CallAttempt> producer = producer(bootstrap, serdes);
            thread = Thread.ofPlatform().name("hop-relay").start(() -> {
                try (consumer; producer) {
                    while (running.get()) {
                        for (ConsumerRecord<String, CallAttempt> r : consumer.poll(Duration.ofMillis(100))) {
                            producer.send(new ProducerRecord<>(out, r.key(), r.value()));
                        }
                    }
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    private KafkaHops() {}
}
