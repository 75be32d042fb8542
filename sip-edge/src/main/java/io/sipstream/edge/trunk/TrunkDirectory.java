package io.sipstream.edge.trunk;

import io.sipstream.avro.Trunk;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every trunk of the registry, in memory, as the compacted topic registry.trunks holds them
 * (fed by the edge's bus, io.sipstream.edge.bus). Listeners hear of each change.
 */
public final class TrunkDirectory {
    private final Map<String, Trunk> trunks = new ConcurrentHashMap<>();
    private final List<Consumer<TrunkDirectory>> listeners = new CopyOnWriteArrayList<>();

    /** A record of registry.trunks; null removes the trunk. */
    public void apply(String trunkId, Trunk trunk) {
        if (trunkId == null) return;
        if (trunk == null) trunks.remove(trunkId);
        else trunks.put(trunkId, trunk);
        listeners.forEach(l -> l.accept(this));
    }

    public Trunk get(String trunkId) { return trunkId == null ? null : trunks.get(trunkId); }

    public Collection<Trunk> all() { return List.copyOf(trunks.values()); }

    public void onChange(Consumer<TrunkDirectory> listener) { listeners.add(listener); }

    public int size() { return trunks.size(); }
}
