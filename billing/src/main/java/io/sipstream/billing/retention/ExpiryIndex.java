package io.sipstream.billing.retention;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The time index of the records billing forgets (store {@code expiry}): one entry
 * {@code kind|base time (19 digits)|store key} per record, where the base time is what its
 * retention counts from (a CDR's end, a usage window's end, when a credit or a finished call was
 * processed). The purge reads the index from its oldest entry up to {@code now - retention}, so
 * its cost is proportional to what expires, never to the size of the store; and since the cut-off
 * is applied when purging, a changed retention applies to records written before the change too.
 */
public final class ExpiryIndex {
    public static final String CDRS = "cdrs";
    public static final String CREDIT_KEYS = "credit-receipts";
    public static final String ENDED_CALLS = "ended-calls";

    /** One indexed record, due for deletion. */
    public record Entry(String indexKey, long base, String storeKey) {}

    private final KeyValueStore<String, Long> index;

    public ExpiryIndex(KeyValueStore<String, Long> index) { this.index = index; }

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
        try (KeyValueIterator<String, Long> it = index.range(from, to)) {
            while (it.hasNext() && out.size() < limit) {
                KeyValue<String, Long> kv = it.next();
                out.add(new Entry(kv.key, kv.value == null ? 0 : kv.value, kv.key.substring(skip)));
            }
        }
        return out;
    }
}
