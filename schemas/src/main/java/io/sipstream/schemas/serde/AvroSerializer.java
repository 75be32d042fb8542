package io.sipstream.schemas.serde;

import io.sipstream.schemas.registry.SchemaRegistryClient;
import io.sipstream.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes specific records in the Confluent wire format: magic byte 0, the schema's 4-byte
 * big-endian registry id, then Avro binary. Subjects follow TopicNameStrategy (topic-value / topic-key).
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {
    static final byte MAGIC_BYTE = 0;

    private final Class<T> type;
    private final Schema schema;
    private final SpecificDatumWriter<T> writer;
    private final Map<String, Integer> idBySubject = new ConcurrentHashMap<>();
    private SchemaRegistryClient client;
    private boolean autoRegister = true;
    private boolean isKey;

    /** For Kafka's reflective construction; {@link #configure} supplies the registry. */
    public AvroSerializer(Class<T> type) {
        this.type = type;
        this.schema = SpecificData.get().getSchema(type);
        this.writer = new SpecificDatumWriter<>(schema, SpecificData.getForClass(type));
    }

    public AvroSerializer(Class<T> type, SchemaRegistryClient client, boolean autoRegister) {
        this(type);
        this.client = client;
        this.autoRegister = autoRegister;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        if (client == null) {
            SerdeConfig config = SerdeConfig.from(configs);
            this.client = config.client();
            this.autoRegister = config.autoRegister();
        }
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) return null; // tombstone
        if (client == null) throw new IllegalStateException("AvroSerializer for " + type.getSimpleName() + " is not configured");
        String subject = topic + (isKey ? "-key" : "-value");
        int id;
        try {
            id = idBySubject.computeIfAbsent(subject, s -> autoRegister ? client.register(s, schema) : client.lookup(s, schema).id());
        } catch (SchemaRegistryException e) {
            throw new SerializationException("cannot get a schema id for subject " + subject + ": " + e.getMessage(), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.write(MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot write " + type.getSimpleName() + " for topic " + topic + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
