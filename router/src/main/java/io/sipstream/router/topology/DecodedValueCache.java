package io.sipstream.router.topology;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;

/**
 * A table store's value serde that decodes each distinct stored value once: the stores keep
 * bytes, and every lookup (the account at each attempt and again for its call events, a trunk per
 * candidate, a block, a rate) would otherwise decode Avro again.
 *
 * <p>It is the serde of the table's {@code Consumed}: Kafka Streams gives a table's store the
 * source's serdes, whatever its {@code Materialized} says. So the source's decode of each update
 * goes through it as well: the update is remembered by the bytes it came with, the store holds
 * the same bytes once the table has encoded it again (the same schema, the same id), and the next
 * lookup finds it decoded. The table's own look at the row it replaces is a lookup like any other.
 *
 * <p>The cache is keyed by the stored bytes themselves (the Confluent wire format: schema id and
 * body), so it never needs invalidating: a table update stores other bytes, which miss, and the
 * next lookup decodes the new value. A hit costs a hash and a comparison of the bytes. The decoded
 * values are shared between lookups and threads (stream threads, interactive queries), so the
 * router treats table values as read-only, as it always did. Bounded: cleared when full, as values
 * replaced by updates are never asked for again; a table whose rows change with calls gets a small
 * bound, so that what it remembers dies young instead of filling the old generation.
 */
final class DecodedValueCache<V> implements Serde<V> {
    private final Serde<V> inner;
    private final int limit;
    private final Map<Bytes, V> decoded = new ConcurrentHashMap<>();
    private final Deserializer<V> deserializer = new Deserializer<>() {
        @Override
        public void configure(Map<String, ?> configs, boolean isKey) { inner.deserializer().configure(configs, isKey); }

        @Override
        public V deserialize(String topic, byte[] data) {
            if (data == null) return inner.deserializer().deserialize(topic, null);
            // a store's read hands out a copy of its bytes, a source its record's own: holding either is safe
            Bytes key = Bytes.wrap(data);
            V known = decoded.get(key);
            if (known != null) return known;
            V value = inner.deserializer().deserialize(topic, data); // what cannot be read throws, and is not kept
            if (value != null) {
                if (decoded.size() >= limit) decoded.clear();
                decoded.put(key, value);
            }
            return value;
        }

        @Override
        public void close() { inner.deserializer().close(); }
    };

    /** @param limit how many decoded values it holds before it starts again */
    DecodedValueCache(Serde<V> inner, int limit) {
        this.inner = inner;
        this.limit = limit;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) { inner.configure(configs, isKey); }

    @Override
    public Serializer<V> serializer() { return inner.serializer(); }

    @Override
    public Deserializer<V> deserializer() { return deserializer; }

    @Override
    public void close() { inner.close(); }

    int size() { return decoded.size(); }
}
