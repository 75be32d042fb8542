package io.sipstream.edge.bus;

import io.sipstream.avro.CallAttempt;
import io.sipstream.edge.call.AttemptSink;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.schemas.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Asks the router about a call: a CallAttempt to call.attempts (key: account id, or the dialled
 * number for an inbound call), linger.ms=0. Never waits for the broker: a failure is reported
 * to the callback, and a slow broker shows as the call's verdict timeout.
 */
final class AttemptPublisher implements AttemptSink, AutoCloseable {
    private final KafkaProducer<String, CallAttempt> producer;
    private volatile long lastFailureMillis;
    private volatile long lastSuccessMillis;

    AttemptPublisher(KafkaSettings kafka, String clientId, Duration maxBlock) {
        Map<String, Object> props = kafka.lowLatencyProducer(clientId);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.max(100, maxBlock.toMillis()));
        // an attempt older than the verdict timeout is useless to deliver
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(1_000, maxBlock.toMillis()));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1_000, maxBlock.toMillis()));
        this.producer = new KafkaProducer<>(props, new StringSerializer(),
                Topics.CALL_ATTEMPTS.valueSerde(kafka.serdes()).serializer());
    }

    /** Key of an attempt: the account, or for an inbound call the dialled number until the router resolves it. */
    static String keyOf(CallAttempt attempt) {
        return attempt.getAccountId() != null ? attempt.getAccountId() : attempt.getDialled();
    }

    @Override
    public void publish(CallAttempt attempt, Consumer<Exception> onFailure) {
        try {
            producer.send(new ProducerRecord<>(Topics.CALL_ATTEMPTS.name(), keyOf(attempt), attempt), (md, e) -> {
                if (e != null) {
                    lastFailureMillis = System.currentTimeMillis();
                    onFailure.accept(e);
                } else {
                    lastSuccessMillis = System.currentTimeMillis();
                }
            });
        } catch (RuntimeException e) {
            lastFailureMillis = System.currentTimeMillis();
            onFailure.accept(e);
        }
    }

    /** Up again at the first attempt delivered after a failure, or 30 s after the last failure when none is sent. */
    boolean healthy() {
        long failed = lastFailureMillis;
        return lastSuccessMillis > failed || System.currentTimeMillis() - failed > 30_000;
    }

    /** Its producer, for its meters ({@link EdgeBus#bindMetrics}). */
    KafkaProducer<String, CallAttempt> client() { return producer; }

    @Override
    public void close() { producer.close(Duration.ofSeconds(2)); }
}
