package io.sipstream.schemas.serde;

import io.sipstream.schemas.registry.SchemaRegistryClient;
import io.sipstream.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the Confluent wire format into a specific record, resolving the writer's schema (by the id
 * in the record) against the reader's, so records written with older schemas still read.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    private final Class<T> type;
    private final Schema readerSchema;
    private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();
    private SchemaRegistryClient client;

    public AvroDeserializer(Class<T> type) {
        this.type = type;
        this.readerSchema = SpecificData.get().getSchema(type);
    }

    public AvroDeserializer(Class<T> type, SchemaRegistryClient client) {
        this(type);
        this.client = client;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (client == null) this.client = SerdeConfig.from(configs).client();
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null || data.length == 0) return null;
        if (client == null) throw new IllegalStateException("AvroDeserializer for " + type.getSimpleName() + " is not configured");
        if (data.length < 5 || data[0] != AvroSerializer.MAGIC_BYTE) {
            throw new SerializationException("record on " + topic + " is not in the Confluent wire format (magic byte "
                    + (data.length == 0 ? "missing" : data[0]) + ", " + data.length + " bytes)");
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        try {
            SpecificDatumReader<T> reader = readers.computeIfAbsent(id, this::readerFor);
            return reader.read(null, DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null));
        } catch (SchemaRegistryException e) {
            throw new SerializationException("record on " + topic + " names schema id " + id + " that the registry cannot give: "
                    + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("record on " + topic + " (schema id " + id + ") does not read as "
                    + type.getSimpleName() + ": " + e, e);
        }
    }

    private SpecificDatumReader<T> readerFor(int id) {
        Schema writer = client.getById(id);
        return new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForClass(type));
    }
}
