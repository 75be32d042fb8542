package io.sipstream.platform.health;

import io.sipstream.platform.health.HealthRegistry.Status;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Whether a Kafka Streams app is alive: down once it has stopped for good (ERROR, or NOT_RUNNING while
 * its service is still registered, i.e. not closed by it), which only a restart mends. Rebalancing,
 * restoring or waiting for an unreachable broker is alive: the app recovers from those by itself.
 */
public final class StreamsLiveness {

    public static Status of(KafkaStreams streams) {
        if (streams == null) return Status.up("not started yet");
        KafkaStreams.State state = streams.state();
        return switch (state) {
            case PENDING_ERROR, ERROR, NOT_RUNNING -> Status.down(state.name() + ": the streams app has stopped; restart the process");
            default -> Status.up(state.name());
        };
    }

    private StreamsLiveness() {}
}
