package io.sipstream.router.channels;

import io.sipstream.router.limits.LiveCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The trunk side of the channel count: the calls each trunk with a limit carries (key trunkId NUL
 * callId), from the claims of every account's task, and the count to publish when it changes. A
 * call that hears nothing for its maximum age (a routed or ringing call: the pending age; an
 * answered one: the live age) is not counted, and the sweeper deletes it.
 */
public final class TrunkChannels {
    private static final char SEPARATOR = '\u0000';
    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, LiveCall> calls;
    private final long pendingMaxAgeMs;
    private final long liveMaxAgeMs;

    public TrunkChannels(KeyValueStore<String, LiveCall> calls, Duration pendingMaxAge, Duration liveMaxAge) {
        this.calls = calls;
        this.pendingMaxAgeMs = pendingMaxAge.toMillis();
        this.liveMaxAgeMs = liveMaxAge.toMillis();
    }

    /** Applies a claim; returns the trunk's count when it changed, else -1. */
    public int apply(String trunkId, TrunkClaim claim, long now) {
        String key = trunkId + SEPARATOR + claim.callId();
        LiveCall known = calls.get(key);
        boolean counted = known != null && !expired(known, now);
        if (claim.released()) {
            if (known == null) return -1;
            calls.delete(key);
            return counted ? count(trunkId, now) : -1;
        }
        calls.put(key, new LiveCall(claim.answered(), now));
        return counted ? -1 : count(trunkId, now);
    }

    /** Deletes the calls that have outlived their age; returns the new count of each trunk that had one. */
    public Map<String, Integer> sweep(long now) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, LiveCall> all = calls.all()) {
            while (all.hasNext()) {
                KeyValue<String, LiveCall> entry = all.next();
                if (expired(entry.value, now)) expired.add(entry.key);
            }
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (String key : expired) {
            calls.delete(key);
            counts.put(key.substring(0, key.indexOf(SEPARATOR)), 0);
        }
        counts.replaceAll((trunkId, none) -> count(trunkId, now));
        return counts;
    }

    /** The calls the trunk carries now. */
    public int count(String trunkId, long now) {
        int count = 0;
        try (KeyValueIterator<String, LiveCall> all = calls.prefixScan(trunkId + SEPARATOR, KEYS)) {
            while (all.hasNext()) if (!expired(all.next().value, now)) count++;
        }
        return count;
    }

    private boolean expired(LiveCall call, long now) {
        return now - call.seenAt() > (call.answered() ? liveMaxAgeMs : pendingMaxAgeMs);
    }
}
