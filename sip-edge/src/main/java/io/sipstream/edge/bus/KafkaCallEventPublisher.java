package io.sipstream.edge.bus;

import io.sipstream.avro.CallEvent;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.registry.SchemaRegistryException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Call events to call.events keyed by account id, acks=all with idempotence (billing counts on each one), linger 20 ms. */
final class KafkaCallEventPublisher implements CallEventPublisher {
    private static final Logger log = LoggerFactory.getLogger(KafkaCallEventPublisher.class);
    private final KafkaProducer<String, CallEvent> producer;

    KafkaCallEventPublisher(KafkaSettings kafka, String clientId) {
        Map<String, Object> props = kafka.lowLatencyProducer(clientId);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000); // ride out a broker restart
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        // Events are not on any call's set-up path (attempts are, with linger 0): some linger lets the
        // events of many calls share one request, and the broker's CPU goes mostly to requests, not to
        // records; every reader (billing, the router's trunk counts) then fetches them in fewer requests
        // too. 20 ms (it was 5) moves a call's end by nothing anyone bills or counts channels on.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        this.producer = new KafkaProducer<>(props, new StringSerializer(),
                Topics.CALL_EVENTS.valueSerde(kafka.serdes()).serializer());
    }

    @Override
    public void publish(CallEvent event) { publish(event, () -> { }); }

    @Override
    public void publish(CallEvent event, Runnable onDelivered) { publish(event, onDelivered, failure -> { }); }

    @Override
    public void publish(CallEvent event, Runnable onDelivered, Consumer<Exception> onFailed) {
        Callback done = (md, e) -> {
            if (e != null) {
                log.error("call event {} not delivered: {}", event.getEventId(), e.toString());
                onFailed.accept(e);
            } else {
                onDelivered.run();
            }
        };
        try {
            producer.send(new ProducerRecord<>(Topics.CALL_EVENTS.name(), event.getAccountId(), event), done);
        } catch (SerializationException e) {
            // the registry failing is an outage like the broker's, not a bad event: the same way back
            if (!SchemaRegistryException.causedRetriably(e)) throw e;
            done.onCompletion(null, e);
        }
    }

    /** Its producer, for its meters ({@link EdgeBus#bindMetrics}). */
    KafkaProducer<String, CallEvent> client() { return producer; }

    /** Waits until every event sent so far is acknowledged (or failed). */
    void flush() { producer.flush(); }

    @Override
    public void close() { producer.close(Duration.ofSeconds(5)); }
}
