package io.sipstream.edge.bus;

import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.schemas.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows partitions of one topic on its own thread with an assigned (group-less) consumer:
 * a compacted table read whole from the beginning, or a reply partition from its end. A record
 * that does not deserialize is logged and skipped, never stopping the thread; a handler that
 * throws is logged and the next record goes on.
 */
final class TopicFollower<V extends SpecificRecord> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicFollower.class);

    /** Where reading starts. */
    enum StartAt { BEGINNING, END }

    /** Receives each record; value null is a tombstone. */
    @FunctionalInterface
    interface Handler<V> {
        void accept(String key, V value);
    }

    private final Topic<V> topic;
    private final List<Integer> partitions;
    private final StartAt startAt;
    private final Handler<V> handler;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<V> values;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile long lastPollMillis = System.currentTimeMillis();
    private volatile Map<TopicPartition, Long> targetEnds = Map.of();

    /** partitions null means every partition of the topic. */
    TopicFollower(String name, KafkaSettings kafka, Topic<V> topic, List<Integer> partitions, StartAt startAt,
                         Handler<V> handler) {
        this.topic = topic;
        this.partitions = partitions;
        this.startAt = startAt;
        this.handler = handler;
        Map<String, Object> props = new HashMap<>(kafka.common());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        // fetch.min.bytes is 1: a verdict is returned the moment it is written, whatever this wait;
        // the wait only bounds how long the broker holds a fetch that found nothing (each one a request)
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.values = topic.valueSerde(kafka.serdes()).deserializer();
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /**
     * Assigns, positions (synchronously, so nothing written after this returns is missed) and starts
     * the thread; with {@link StartAt#BEGINNING} waits until what the topic held at start is read.
     */
    TopicFollower<V> start(Duration catchUpTimeout) throws InterruptedException {
        List<TopicPartition> tps = (partitions != null ? partitions
                : consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream().map(p -> p.partition()).toList())
                .stream().map(p -> new TopicPartition(topic.name(), p)).toList();
        consumer.assign(tps);
        if (startAt == StartAt.END) consumer.seekToEnd(tps);
        else consumer.seekToBeginning(tps);
        for (TopicPartition tp : tps) consumer.position(tp, Duration.ofSeconds(30));
        Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(tps, Duration.ofSeconds(30)));
        ends.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        targetEnds = ends;
        if (ends.isEmpty() || startAt == StartAt.END) caughtUp.countDown();
        thread.start();
        if (!caughtUp.await(catchUpTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("{}: not caught up with {} after {}; continuing in the background", thread.getName(), topic, catchUpTimeout);
        }
        return this;
    }

    private void run() {
        try {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                lastPollMillis = System.currentTimeMillis();
                for (ConsumerRecord<String, byte[]> r : records) {
                    V value;
                    try {
                        value = r.value() == null ? null : values.deserialize(r.topic(), r.value());
                    } catch (RuntimeException e) {
                        log.warn("{}: skipping undecodable record {}-{}@{}: {}", thread.getName(), r.topic(), r.partition(), r.offset(), e.toString());
                        continue;
                    }
                    try {
                        handler.accept(r.key(), value);
                    } catch (RuntimeException e) {
                        log.error("{}: handler failed on {}-{}@{}", thread.getName(), r.topic(), r.partition(), r.offset(), e);
                    }
                }
                if (caughtUp.getCount() > 0) checkCaughtUp();
            }
        } catch (WakeupException e) {
            if (running) log.error("{}: woken up unexpectedly", thread.getName());
        } catch (RuntimeException e) {
            log.error("{}: consumer failed; following stopped", thread.getName(), e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void checkCaughtUp() {
        for (var e : targetEnds.entrySet()) if (consumer.position(e.getKey()) < e.getValue()) return;
        caughtUp.countDown();
    }

    /** Up while the thread runs and has polled recently. */
    boolean healthy() {
        return thread.isAlive() && System.currentTimeMillis() - lastPollMillis < 30_000;
    }

    boolean caughtUp() { return caughtUp.getCount() == 0; }

    /** Its consumer, for its meters ({@link EdgeBus#bindMetrics}); only its thread-safe {@code metrics()} is read. */
    KafkaConsumer<String, byte[]> client() { return consumer; }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
