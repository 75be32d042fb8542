package io.sipstream.router.channels;

import io.sipstream.avro.Trunk;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The trunks' channel limits ({@code maxChannels}, 0: none) as the router's registry.trunks table
 * holds them. Whether any trunk has one is looked up at most once a second: without one, the router
 * reads no call event for the trunks' sake.
 */
public final class TrunkLimits {
    private static final long RECHECK_MS = 1_000;

    private final KeyValueStore<String, ValueAndTimestamp<Trunk>> trunks;
    private boolean checked;
    private long checkedAt;
    private boolean any;

    public TrunkLimits(KeyValueStore<String, ValueAndTimestamp<Trunk>> trunks) { this.trunks = trunks; }

    /** The trunk's channel limit; 0 for none, or for an unknown trunk. */
    public int maxChannels(String trunkId) {
        if (trunkId == null) return 0;
        ValueAndTimestamp<Trunk> trunk = trunks.get(trunkId);
        return trunk == null ? 0 : Math.max(0, trunk.value().getMaxChannels());
    }

    /** Whether some trunk has a channel limit, as of at most a second ago. */
    public boolean anyLimited(long now) {
        if (checked && now >= checkedAt && now - checkedAt < RECHECK_MS) return any;
        checked = true;
        checkedAt = now;
        any = false;
        try (KeyValueIterator<String, ValueAndTimestamp<Trunk>> all = trunks.all()) {
            while (all.hasNext() && !any) {
                ValueAndTimestamp<Trunk> t = all.next().value;
                any = t != null && t.value().getMaxChannels() > 0;
            }
        }
        return any;
    }
}
