package io.sipstream.billing.state;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.calls.CallState;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde of billing's internal state stores and their changelogs (never a contract topic, so no
 * Schema Registry). Every value starts with a format byte:
 * <ul>
 *   <li>{@code 0x01}: Avro binary of the state's schema in this package's resources (what is written);</li>
 *   <li>{@code 0x02}: balances only, Avro binary of BalanceStateV2 (0x01's fields, then the hours whose usage
 *       billing.usage has not had yet), written only while there are such hours, so that a balance at rest
 *       stays 0x01;</li>
 *   <li>{@code '{'}: the JSON billing wrote before, still read so that an upgraded billing keeps its
 *       stores and changelogs; such a value is written as Avro the next time it changes.</li>
 * </ul>
 * A value this billing cannot read (another format byte, or bytes its format does not parse) is a
 * SerializationException: the processor's store read fails and the input record goes to the
 * dead letters, as with any other unreadable state. A later change of a schema takes the next
 * format byte and keeps the reader of this one. Thread-safe: the REST queries read stores too.
 */
public final class StateSerde<T> implements Serde<T> {
    static final byte AVRO_V1 = 0x01;
    static final byte AVRO_V2 = 0x02;
    static final byte LEGACY_JSON = '{';

    private final Class<T> type;
    /** The newest Avro format byte this serde reads (and may write). */
    private final byte newest;
    private final StateCodecs.Writer<T> writer;
    private final StateCodecs.Reader<T> reader;

    public static StateSerde<BalanceState> balances() {
        return new StateSerde<>(BalanceState.class, AVRO_V2, StateCodecs::writeBalance, StateCodecs::readBalance);
    }

    public static StateSerde<CallState> calls() {
        return new StateSerde<>(CallState.class, AVRO_V1, StateCodecs::writeCall, StateCodecs::readCall);
    }

    public static StateSerde<CreditReceipt> creditReceipts() {
        return new StateSerde<>(CreditReceipt.class, AVRO_V1, StateCodecs::writeReceipt, StateCodecs::readReceipt);
    }

    private StateSerde(Class<T> type, byte newest, StateCodecs.Writer<T> writer, StateCodecs.Reader<T> reader) {
        this.type = type;
        this.newest = newest;
        this.writer = writer;
        this.reader = reader;
    }

    @Override
    public Serializer<T> serializer() { return (topic, value) -> value == null ? null : write(value); }

    @Override
    public Deserializer<T> deserializer() { return (topic, data) -> data == null ? null : read(topic, data); }

    private byte[] write(T value) {
        try {
            Buffer out = new Buffer();
            out.write(AVRO_V1); // the writer says which format it wrote in: set below
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            byte format = writer.write(encoder, value);
            encoder.flush();
            byte[] bytes = out.toByteArray();
            bytes[0] = format;
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot write " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private T read(String topic, byte[] data) {
        String what = type.getSimpleName() + " from " + topic;
        if (data.length == 0) throw new SerializationException("cannot read " + what + ": empty value");
        byte format = data[0];
        boolean avro = format >= AVRO_V1 && format <= newest;
        if (!avro && format != LEGACY_JSON) {
            throw new SerializationException(String.format("cannot read %s: unknown state format byte 0x%02x"
                    + " (this billing reads Avro 0x01 to 0x%02x and '{' JSON; written by a newer billing?)", what, format, newest));
        }
        try {
            return avro ? readAvro(data, format) : LegacyJson.MAPPER.readValue(data, type);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(String.format("cannot read %s (format byte 0x%02x): %s", what, format, e.getMessage()), e);
        }
    }

    private T readAvro(byte[] data, byte format) throws IOException {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, 1, data.length - 1, null);
        T value = reader.read(decoder, format);
        if (!decoder.isEnd()) throw new IOException("bytes left after the value");
        return value;
    }

    /** The JSON of the state classes' fields that billing wrote before format 0x01 (BigDecimal exact). */
    private static final class LegacyJson {
        static final ObjectMapper MAPPER = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .visibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
                .visibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
                .build();
    }

    /** ByteArrayOutputStream without its per-write lock, which cost more than the encoding itself. */
    private static final class Buffer extends OutputStream {
        private byte[] bytes = new byte[256];
        private int size;

        @Override
        public void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }

        byte[] toByteArray() { return Arrays.copyOf(bytes, size); }
    }
}
