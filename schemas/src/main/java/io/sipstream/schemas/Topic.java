package io.sipstream.schemas;

import io.sipstream.schemas.registry.SchemaRegistryClient;
import io.sipstream.schemas.serde.AvroSerde;
import io.sipstream.schemas.serde.SerdeConfig;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One topic of the catalogue: its name, key and value serdes, and the layout the bootstrapper
 * creates. Keys are plain UTF-8 strings; values are Avro in the Confluent wire format.
 */
public record Topic<V extends SpecificRecord>(String name, Class<V> valueType, int partitions,
                                              Cleanup cleanup, long retentionMs, String doc) {

    public enum Cleanup {
        COMPACT("compact"), DELETE("delete");
        private final String policy;
        Cleanup(String policy) { this.policy = policy; }
        public String policy() { return policy; }
    }

    public Serde<String> keySerde() { return Serdes.String(); }

    public AvroSerde<V> valueSerde(SerdeConfig config) { return AvroSerde.forValues(valueType, config); }

    /** For tests and tools that hold a registry client of their own. */
    public AvroSerde<V> valueSerde(SchemaRegistryClient client) { return new AvroSerde<>(valueType, client, true); }

    public Schema valueSchema() { return SpecificData.get().getSchema(valueType); }

    /** The Schema Registry subject of the values (TopicNameStrategy). */
    public String valueSubject() { return name + "-value"; }

    /** Topic configs the bootstrapper sets at creation. */
    public Map<String, String> configs() {
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, cleanup.policy(),
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs));
    }

    @Override
    public String toString() { return name; }
}
