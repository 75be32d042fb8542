package io.sipstream.billing.state;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;

/**
 * A store's value serde of Avro records that encodes and decodes each value once: the CDR and the usage
 * windows were encoded for the store's changelog and then again for billing.cdrs and billing.usage, and an
 * account was decoded at every event of its calls.
 *
 * <p><b>Decoding</b> (with a limit above 0; the accounts' store). Values are remembered by their bytes, those
 * it encoded (a store write) and those it decoded (as the router's {@code DecodedValueCache} does): a read of
 * bytes seen before costs a hash and a comparison of the bytes. The bytes are the key, so nothing needs
 * invalidating: a changed value is other bytes, which miss. Bounded: cleared when full. The records are
 * shared between reads and threads (the stream threads, the REST queries), so billing never changes a record
 * once stored or sent. Not for values that change at every write (balances, calls, usage windows): a memory
 * of them holds seconds of writes, which every young collection copies (session 10 measured longer pauses
 * and no CPU saved).
 *
 * <p><b>Encoding</b> (Avro records in the Confluent wire format). The same record instance encoded just
 * before on this thread for another topic (the store's changelog, then billing.cdrs) gets the same Avro
 * body under that topic's schema id: the body depends only on the writer's schema, the record class's
 * for both, and the id (the same one wherever the registry shares ids across subjects) is the one this
 * serializer got for that topic before. An instance encoded again for the same topic is encoded again.
 */
public final class RememberingSerde<T> implements Serde<T> {
    /** Instances a thread remembers the bytes of: a call's end encodes three usage windows, then sends them. */
    static final int RECENT = 4;

    private final Serde<T> inner;
    private final int limit;
    private final boolean confluentFrames;
    private final Map<Bytes, T> decoded = new ConcurrentHashMap<>();
    private final Map<String, Integer> idByTopic = new ConcurrentHashMap<>();
    private final ThreadLocal<Recent> recent = ThreadLocal.withInitial(Recent::new);
    private final Serializer<T> serializer = new Serializer<>() {
        @Override
        public void configure(Map<String, ?> configs, boolean isKey) { inner.serializer().configure(configs, isKey); }

        @Override
        public byte[] serialize(String topic, T value) { return encode(topic, value); }

        @Override
        public void close() { inner.serializer().close(); }
    };
    private final Deserializer<T> deserializer = new Deserializer<>() {
        @Override
        public void configure(Map<String, ?> configs, boolean isKey) { inner.deserializer().configure(configs, isKey); }

        @Override
        public T deserialize(String topic, byte[] data) { return decode(topic, data); }

        @Override
        public void close() { inner.deserializer().close(); }
    };

    /**
     * Avro records that are never changed once stored or sent, in the Confluent wire format.
     *
     * @param limit how many decoded values it holds before it starts again (0: none, encoding only)
     */
    public static <T extends SpecificRecord> RememberingSerde<T> records(Serde<T> inner, int limit) {
        return new RememberingSerde<>(inner, limit, true);
    }

    private RememberingSerde(Serde<T> inner, int limit, boolean confluentFrames) {
        this.inner = inner;
        this.limit = limit;
        this.confluentFrames = confluentFrames;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) { inner.configure(configs, isKey); }

    @Override
    public Serializer<T> serializer() { return serializer; }

    @Override
    public Deserializer<T> deserializer() { return deserializer; }

    @Override
    public void close() { inner.close(); }

    /** How many decoded values it holds (tests). */
    int remembered() { return decoded.size(); }

    private byte[] encode(String topic, T value) {
        if (value == null) return inner.serializer().serialize(topic, null);
        if (confluentFrames) {
            byte[] again = recent.get().forOtherTopic(value, topic, idByTopic.get(topic));
            if (again != null) return again;
        }
        byte[] bytes = inner.serializer().serialize(topic, value);
        if (confluentFrames && bytes != null && framed(bytes)) {
            idByTopic.putIfAbsent(topic, schemaId(bytes));
            recent.get().add(value, topic, bytes);
        }
        remember(bytes, value);
        return bytes;
    }

    private T decode(String topic, byte[] data) {
        if (data == null || limit == 0) return inner.deserializer().deserialize(topic, data);
        T known = decoded.get(Bytes.wrap(data));
        if (known != null) return known;
        T value = inner.deserializer().deserialize(topic, data); // what cannot be read throws, and is not kept
        remember(data, value);
        return value;
    }

    /** Keeps {@code value} as what {@code bytes} decode to; the bytes are never changed once written or read. */
    private void remember(byte[] bytes, T value) {
        if (limit == 0 || bytes == null || value == null) return;
        if (decoded.size() >= limit) decoded.clear();
        decoded.put(Bytes.wrap(bytes), value);
    }

    private static boolean framed(byte[] bytes) { return bytes.length >= 5 && bytes[0] == 0; }

    private static int schemaId(byte[] bytes) {
        return (bytes[1] & 0xff) << 24 | (bytes[2] & 0xff) << 16 | (bytes[3] & 0xff) << 8 | (bytes[4] & 0xff);
    }

    /** The last few instances this thread encoded, with the topic and bytes of each. */
    private static final class Recent {
        private final Object[] values = new Object[RECENT];
        private final String[] topics = new String[RECENT];
        private final byte[][] bytes = new byte[RECENT][];
        private int next;

        void add(Object value, String topic, byte[] encoded) {
            values[next] = value;
            topics[next] = topic;
            bytes[next] = encoded;
            next = (next + 1) % RECENT;
        }

        /** The bytes of {@code value} for {@code topic}, whose schema id is {@code id}, if it was just encoded for another topic. */
        byte[] forOtherTopic(Object value, String topic, Integer id) {
            if (id == null) return null; // the topic's id is known once this serializer has written to it
            for (int i = 0; i < RECENT; i++) {
                if (values[i] != value || topic.equals(topics[i])) continue;
                byte[] encoded = bytes[i];
                if (schemaId(encoded) == id) return encoded;
                byte[] reframed = encoded.clone();
                reframed[1] = (byte) (id >>> 24);
                reframed[2] = (byte) (id >>> 16);
                reframed[3] = (byte) (id >>> 8);
                reframed[4] = (byte) (int) id;
                return reframed;
            }
            return null;
        }
    }
}
