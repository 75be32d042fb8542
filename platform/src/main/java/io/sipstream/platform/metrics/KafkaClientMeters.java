package io.sipstream.platform.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Micrometer's binder of a Kafka producer's or consumer's own metrics ({@code kafka_producer_*},
 * {@code kafka_consumer_*}, tagged with the client id) for the clients a service holds outside Kafka
 * Streams. Every binding looks for its client's new metrics on one shared daemon thread: Micrometer's
 * default is a thread per client. Close a binding before its client; that takes its meters off.
 */
public final class KafkaClientMeters {
    private static final ScheduledExecutorService REFRESH = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("kafka-client-meters").factory());

    public static KafkaClientMetrics bind(MeterRegistry registry, Producer<?, ?> producer) {
        KafkaClientMetrics meters = new KafkaClientMetrics(producer, List.of(), REFRESH);
        meters.bindTo(registry);
        return meters;
    }

    public static KafkaClientMetrics bind(MeterRegistry registry, Consumer<?, ?> consumer) {
        KafkaClientMetrics meters = new KafkaClientMetrics(consumer, List.of(), REFRESH);
        meters.bindTo(registry);
        return meters;
    }

    private KafkaClientMeters() {}
}
