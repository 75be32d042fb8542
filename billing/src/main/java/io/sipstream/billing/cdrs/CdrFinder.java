package io.sipstream.billing.cdrs;

import io.sipstream.avro.RatedCdr;
import io.sipstream.billing.retention.ExpiryIndex;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The CDRs of one partition's store ({@code cdrs}) that ended in a time window, oldest first, from a
 * position on: what the CDR export pages through. A CDR's position is its end time (19 digits) and its
 * store key, so positions sort as the export lists and are unique; pages of several partitions and
 * instances merge by it.
 *
 * <p>Across accounts the time index of the retention purge ({@code expiry}, kind {@code cdrs}) is read:
 * it holds one entry per stored CDR by end time, so a window costs what it holds, never the whole
 * store. One account's CDRs are a range of the store itself (its keys are the account's, newest first).
 */
public final class CdrFinder {
    /** Ended at or after {@code from} and before {@code to}; of one account, or of all ({@code accountId} null). */
    public record Window(Instant from, Instant to, String accountId) {}

    /** A CDR and its position. */
    public record Found(String position, RatedCdr cdr) {}

    private static final String INDEX = ExpiryIndex.CDRS + "|";

    private final ReadOnlyKeyValueStore<String, RatedCdr> cdrs;
    private final ReadOnlyKeyValueStore<String, Long> expiry;

    public CdrFinder(ReadOnlyKeyValueStore<String, RatedCdr> cdrs, ReadOnlyKeyValueStore<String, Long> expiry) {
        this.cdrs = cdrs;
        this.expiry = expiry;
    }

    /** Where a CDR stands in the export's order. */
    public static String position(String accountId, Instant endedAt, String callId) {
        return ExpiryIndex.zeroPadded(endedAt.toEpochMilli()) + "|" + CdrKeys.key(accountId, endedAt, callId);
    }

    /** At most {@code limit} CDRs of the window after {@code after} (null: from its start), oldest first. */
    public List<Found> after(Window window, String after, int limit) {
        long last = window.to().toEpochMilli() - 1; // the window's end is exclusive
        long first = window.from().toEpochMilli();
        if (last < first || first < 0) return List.of();
        return window.accountId() == null ? allAccounts(first, last, after, limit) : oneAccount(window.accountId(), first, last, after, limit);
    }

    private List<Found> allAccounts(long first, long last, String after, int limit) {
        String start = ExpiryIndex.zeroPadded(first);
        if (after != null && after.compareTo(start) > 0) start = after;
        List<Found> out = new ArrayList<>();
        try (KeyValueIterator<String, Long> it = expiry.range(INDEX + start, INDEX + ExpiryIndex.zeroPadded(last) + "}")) {
            while (it.hasNext() && out.size() < limit) {
                String position = it.next().key.substring(INDEX.length());
                if (after != null && position.compareTo(after) <= 0) continue;
                RatedCdr cdr = cdrs.get(position.substring(20)); // null: purged since the index was read
                if (cdr != null) out.add(new Found(position, cdr));
            }
        }
        return out;
    }

    /**
     * The account's keys run newest first, so they are read backwards; CDRs that ended in the same
     * millisecond then come in reverse key order, and are put back in order before the page is cut.
     */
    private List<Found> oneAccount(String accountId, long first, long last, String after, int limit) {
        if (after != null) first = Math.max(first, Long.parseLong(after.substring(0, Math.min(19, after.length()))));
        List<Found> out = new ArrayList<>();
        String from = CdrKeys.accountStart(accountId) + ExpiryIndex.zeroPadded(Long.MAX_VALUE - last);
        String to = CdrKeys.accountStart(accountId) + ExpiryIndex.zeroPadded(Long.MAX_VALUE - first) + "|\uffff";
        long lastEnded = -1;
        try (KeyValueIterator<String, RatedCdr> it = cdrs.reverseRange(from, to)) {
            while (it.hasNext()) {
                KeyValue<String, RatedCdr> kv = it.next();
                long ended = CdrKeys.endedAtOf(accountId, kv.key);
                if (out.size() >= limit && ended != lastEnded) break;
                String position = ExpiryIndex.zeroPadded(ended) + "|" + kv.key;
                if (after != null && position.compareTo(after) <= 0) continue;
                out.add(new Found(position, kv.value));
                lastEnded = ended;
            }
        }
        out.sort(Comparator.comparing(Found::position));
        return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
    }
}
