package io.sipstream.billing.retention;

import io.sipstream.billing.state.KeyValueState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The time index of the records billing forgets (store {@code expiry}): one entry
 * {@code kind|base time (19 digits)|store key} per record, where the base time is what its
 * retention counts from (a CDR's end, a usage window's end, when a credit or a finished call was
 * processed; finished calls only as billing kept them before the window store {@code closed-calls}). The purge reads the index from its oldest entry up to {@code now - retention}, so
 * its cost is proportional to what expires, never to the size of the store; and since the cut-off
 * is applied when purging, a changed retention applies to records written before the change too.
 */
public final class ExpiryIndex {
    public static final String CDRS = "cdrs";
    public static final String CREDIT_KEYS = "credit-receipts";
    public static final String ENDED_CALLS = "ended-calls";

    /** One indexed record, due for deletion. */
    public record Entry(String indexKey, long base, String storeKey) {}

    private final KeyValueState<Long> index;

    public ExpiryIndex(KeyValueState<Long> index) { this.index = index; }

    public static String usageKind(io.sipstream.avro.UsagePeriod period) { return "usage-" + period.name(); }

    public static String key(String kind, long base, String storeKey) {
        return kind + "|" + zeroPadded(Math.max(0, base)) + "|" + storeKey;
    }

    /** {@code String.format("%019d", n)} without the formatter, which cost more than the rest of a key. */
    public static String zeroPadded(long n) {
        if (n < 0) return String.format("%019d", n);
        String digits = Long.toString(n);
        return "0".repeat(19 - digits.length()) + digits;
    }

    public void add(String kind, long base, String storeKey) { index.put(key(kind, base, storeKey), base); }

    public void remove(String kind, long base, String storeKey) { index.delete(key(kind, base, storeKey)); }

    public void remove(Entry entry) { index.delete(entry.indexKey()); }

    /** At most {@code limit} entries of {@code kind} whose base time is at or before {@code cutoff}, oldest first. */
    public List<Entry> due(String kind, long cutoff, int limit) {
        List<Entry> out = new ArrayList<>();
        if (cutoff < 0) return out;
        String from = kind + "|";
        String to = kind + "|" + zeroPadded(cutoff) + "}"; // '}' sorts right after '|'
        int skip = kind.length() + 1 + 19 + 1;
        for (Map.Entry<String, Long> e : index.range(from, to, limit)) {
            out.add(new Entry(e.getKey(), e.getValue() == null ? 0 : e.getValue(), e.getKey().substring(skip)));
        }
        return out;
    }

    /**
     * Forgets at most {@code limit} records of {@code kind} kept longer than {@code keep} (null:
     * forever) after their base time, oldest first: each is handed to {@code delete}, then its entry goes.
     */
    public void forgetDue(String kind, Duration keep, long now, int limit, Consumer<String> delete) {
        if (keep == null) return;
        for (Entry entry : due(kind, now - keep.toMillis(), limit)) {
            delete.accept(entry.storeKey());
            remove(entry);
        }
    }
}
