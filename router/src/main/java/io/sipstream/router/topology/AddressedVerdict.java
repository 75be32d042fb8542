package io.sipstream.router.topology;

import io.sipstream.avro.RoutingVerdict;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * A verdict with the call.verdicts partition its edge reads. Only the verdict is written: the
 * partition travels beside it to the {@link #partitioner()}, so the topic holds plain
 * RoutingVerdicts.
 */
record AddressedVerdict(RoutingVerdict verdict, int partition) {

    static Serde<AddressedVerdict> serde(Serde<RoutingVerdict> verdicts) {
        Serializer<RoutingVerdict> inner = verdicts.serializer();
        Serializer<AddressedVerdict> ser = (topic, v) -> v == null ? null : inner.serialize(topic, v.verdict());
        Deserializer<AddressedVerdict> de = (topic, bytes) -> {
            throw new UnsupportedOperationException("addressed verdicts are only written");
        };
        return Serdes.serdeFrom(ser, de);
    }

    /** Sends each verdict to the partition of call.verdicts its edge reads. */
    static StreamPartitioner<String, AddressedVerdict> partitioner() {
        return (topic, key, value, numPartitions) -> {
            if (value.partition() >= numPartitions) {
                // Attempts are checked against the catalogue; a topic smaller than the catalogue is a deployment error.
                throw new IllegalStateException(topic + " has " + numPartitions + " partitions, the verdict of "
                        + value.verdict().getCallId() + " is for partition " + value.partition());
            }
            return Optional.of(Set.of(value.partition()));
        };
    }
}
