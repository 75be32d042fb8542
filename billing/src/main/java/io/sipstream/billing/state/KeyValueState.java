package io.sipstream.billing.state;

import java.util.List;
import java.util.Map;

/**
 * The part of a key-value store that billing's rules use: string keys in order. In the topology it
 * is a Kafka Streams store ({@link StoreState}); a rule's unit test gives it a sorted map.
 */
public interface KeyValueState<V> {

    V get(String key);

    void put(String key, V value);

    /** Removes the key; the value it had, or null. */
    V delete(String key);

    /** At most {@code limit} entries with keys from {@code from} to {@code to} (both inclusive), in key order. */
    List<Map.Entry<String, V>> range(String from, String to, int limit);

    /** The greatest key from {@code from} to {@code to} (both inclusive), or null when there is none. */
    String lastKey(String from, String to);
}
