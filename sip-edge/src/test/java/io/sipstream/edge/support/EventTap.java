package io.sipstream.edge.support;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;

/** Reads call.events from the moment it starts, for the tests' assertions. */
public final class EventTap implements AutoCloseable {
    private final KafkaConsumer<String, CallEvent> consumer;
    private final List<CallEvent> events = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public EventTap(KafkaSettings kafka) {
        consumer = new KafkaConsumer<>(kafka.common(), new StringDeserializer(), Topics.CALL_EVENTS.valueSerde(kafka.serdes()).deserializer());
        List<TopicPartition> tps = consumer.partitionsFor(Topics.CALL_EVENTS.name(), Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(tps);
        consumer.seekToEnd(tps);
        tps.forEach(tp -> consumer.position(tp, Duration.ofSeconds(30)));
        thread = new Thread(() -> {
            try {
                while (running) consumer.poll(Duration.ofMillis(100)).forEach(r -> events.add(r.value()));
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // closing
            } finally {
                consumer.close();
            }
        }, "event-tap");
        thread.setDaemon(true);
        thread.start();
    }

    public List<CallEvent> of(String callId) { return events.stream().filter(e -> CallIdMatch.matches(e.getCallId(), callId)).toList(); }

    public List<CallEventType> typesOf(String callId) { return of(callId).stream().map(CallEvent::getType).toList(); }

    public CallEvent await(String callId, CallEventType type, Duration timeout) {
        return Awaitility.await().atMost(timeout).until(
                () -> of(callId).stream().filter(e -> e.getType() == type).findFirst().orElse(null), e -> e != null);
    }

    /** The first event that matches (a call known by its account, when the test does not know its Call-ID). */
    public CallEvent await(java.util.function.Predicate<CallEvent> which, Duration timeout) {
        return Awaitility.await().atMost(timeout).until(() -> events.stream().filter(which).findFirst().orElse(null), e -> e != null);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
