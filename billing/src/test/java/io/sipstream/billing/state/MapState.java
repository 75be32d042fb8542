package io.sipstream.billing.state;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** A {@link KeyValueState} in a sorted map, for unit tests of the rules (ASCII keys sort as in the stores). */
public final class MapState<V> implements KeyValueState<V> {
    private final TreeMap<String, V> map = new TreeMap<>();

    /** What the state holds now, in key order. */
    public Map<String, V> map() { return Collections.unmodifiableMap(map); }

    @Override
    public V get(String key) { return map.get(key); }

    @Override
    public void put(String key, V value) { map.put(key, value); }

    @Override
    public V delete(String key) { return map.remove(key); }

    @Override
    public List<Map.Entry<String, V>> range(String from, String to, int limit) {
        List<Map.Entry<String, V>> out = new ArrayList<>();
        for (Map.Entry<String, V> e : sub(from, to).entrySet()) {
            if (out.size() >= limit) break;
            out.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue()));
        }
        return out;
    }

    @Override
    public String lastKey(String from, String to) {
        NavigableMap<String, V> sub = sub(from, to);
        return sub.isEmpty() ? null : sub.lastKey();
    }

    private NavigableMap<String, V> sub(String from, String to) {
        return from.compareTo(to) > 0 ? Collections.emptyNavigableMap() : map.subMap(from, true, to, true);
    }
}
