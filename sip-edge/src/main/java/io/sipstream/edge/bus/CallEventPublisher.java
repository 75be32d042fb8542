package io.sipstream.edge.bus;

import io.sipstream.avro.CallEvent;
import java.util.function.Consumer;

/**
 * Where the journalled sink's relay sends call events: Kafka ({@link KafkaCallEventPublisher}), or in tests a
 * bus that fails or holds deliveries, so the journalling and retries are tested without a broker. May wait (Kafka's
 * send waits for the topic's metadata): the sink calls it on its relay's thread only ({@link CallEventRelay}).
 */
interface CallEventPublisher extends AutoCloseable {
    void publish(CallEvent event);

    /** Publishes, and runs {@code onDelivered} once the bus has the event (never, if it is not delivered). */
    default void publish(CallEvent event, Runnable onDelivered) {
        publish(event);
        onDelivered.run();
    }

    /** As {@link #publish(CallEvent, Runnable)}, and runs {@code onFailed} with the reason when the bus gave up on the event. */
    default void publish(CallEvent event, Runnable onDelivered, Consumer<Exception> onFailed) {
        publish(event, onDelivered);
    }

    @Override
    default void close() {}
}
