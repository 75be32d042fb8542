package io.sipstream.edge.events;

import io.sipstream.avro.CallEvent;
import java.util.function.Consumer;

/** Where call events go; the SIP code knows this interface, not Kafka. Must not block. */
public interface CallEventPublisher extends AutoCloseable {
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

    /** Up when events are being delivered. */
    default boolean healthy() { return true; }

    @Override
    default void close() {}
}
