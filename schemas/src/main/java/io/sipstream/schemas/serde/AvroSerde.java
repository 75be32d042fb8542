package io.sipstream.schemas.serde;

import io.sipstream.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Serializer and deserializer of one specific record type, for Kafka clients and Kafka Streams. */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;

    public AvroSerde(Class<T> type) {
        this.serializer = new AvroSerializer<>(type);
        this.deserializer = new AvroDeserializer<>(type);
    }

    public AvroSerde(Class<T> type, SchemaRegistryClient client, boolean autoRegister) {
        this.serializer = new AvroSerializer<>(type, client, autoRegister);
        this.deserializer = new AvroDeserializer<>(type, client);
    }

    /** A serde configured for record values against the given registry. */
    public static <T extends SpecificRecord> AvroSerde<T> forValues(Class<T> type, SerdeConfig config) {
        AvroSerde<T> serde = new AvroSerde<>(type);
        serde.configure(config.asMap(), false);
        return serde;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<T> serializer() { return serializer; }

    @Override
    public Deserializer<T> deserializer() { return deserializer; }
}
