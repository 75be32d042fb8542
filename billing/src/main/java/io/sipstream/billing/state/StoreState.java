package io.sipstream.billing.state;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** A {@link KeyValueState} over a Kafka Streams store: every call goes to the store, iterators are closed. */
public record StoreState<V>(KeyValueStore<String, V> store) implements KeyValueState<V> {

    public static <V> StoreState<V> of(KeyValueStore<String, V> store) { return new StoreState<>(store); }

    @Override
    public V get(String key) { return store.get(key); }

    @Override
    public void put(String key, V value) { store.put(key, value); }

    @Override
    public V delete(String key) { return store.delete(key); }

    @Override
    public List<Map.Entry<String, V>> range(String from, String to, int limit) {
        List<Map.Entry<String, V>> out = new ArrayList<>();
        try (KeyValueIterator<String, V> it = store.range(from, to)) {
            while (it.hasNext() && out.size() < limit) {
                KeyValue<String, V> kv = it.next();
                out.add(new AbstractMap.SimpleImmutableEntry<>(kv.key, kv.value));
            }
        }
        return out;
    }

    @Override
    public String lastKey(String from, String to) {
        try (KeyValueIterator<String, V> it = store.reverseRange(from, to)) {
            return it.hasNext() ? it.next().key : null;
        }
    }
}
