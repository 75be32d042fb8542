package io.sipstream.router.limits;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The per-account limits, kept in the router's stores so that a burst is refused before any event
 * about it comes back.
 *
 * <p>Concurrency: the live calls of an account are its entries in {@code live} (key
 * accountId NUL callId): a call enters when the router routes it or when the edge reports ATTEMPT,
 * RINGING, ANSWERED or INTERIM, and leaves on ENDED or FAILED or when the router refuses it. Keying
 * by call id counts a call once however many of these arrive, and a call being decided never counts
 * against itself (its ATTEMPT event may come first, or the attempt be read again after a
 * fail-over). An entry that hears nothing for its maximum age is not counted and the sweeper
 * deletes it: a routed or ringing call (the pending age, minutes) or an answered one whose end was
 * lost (the live age, hours).
 *
 * <p>Rate: calls admitted in the last second of record time, a sliding window: no one-second
 * span holds more than the limit. Refused attempts count against neither limit.
 */
public final class CallLimiter {
    private static final char SEPARATOR = '\u0000';
    private static final StringSerializer KEYS = new StringSerializer();

    /** Why a call is refused, with the SIP status the caller gets. */
    public record Refusal(int sipStatus, String reason) {}

    private final KeyValueStore<String, LiveCall> live;
    private final KeyValueStore<String, RateWindow> rates;
    private final long pendingMaxAgeMs;
    private final long liveMaxAgeMs;

    public CallLimiter(KeyValueStore<String, LiveCall> live, KeyValueStore<String, RateWindow> rates,
                       Duration pendingMaxAge, Duration liveMaxAge) {
        this.live = live;
        this.rates = rates;
        this.pendingMaxAgeMs = pendingMaxAge.toMillis();
        this.liveMaxAgeMs = liveMaxAge.toMillis();
    }

    /**
     * Admits a call the router is about to route, or says why not. An admitted call is counted at
     * once; a call already counted (the same attempt read again after a fail-over) is admitted as is.
     */
    public Refusal admit(Account account, String callId, long recordTimestamp, long now) {
        int maxConcurrent = account.getMaxConcurrentCalls();
        int maxPerSecond = account.getMaxCallsPerSecond();
        if (maxConcurrent <= 0 && maxPerSecond <= 0) return null;
        String accountId = account.getAccountId();
        String key = key(accountId, callId);
        LiveCall known = maxConcurrent > 0 ? live.get(key) : null;
        if (maxConcurrent > 0) {
            int count = countLive(accountId, now, maxConcurrent + 1) - (known != null && !expired(known, now) ? 1 : 0);
            if (count >= maxConcurrent) {
                return new Refusal(486, "account " + accountId + " has " + count + " live calls, its limit is " + maxConcurrent);
            }
        }
        RateWindow window = null;
        if (maxPerSecond > 0) {
            RateWindow recent = rates.get(accountId);
            window = (recent == null ? RateWindow.empty() : recent).within(recordTimestamp);
            if (window.count() >= maxPerSecond) {
                return new Refusal(503, "account " + accountId + " is over its limit of " + maxPerSecond + " calls per second");
            }
            window = window.plus(recordTimestamp);
        }
        if (window != null) rates.put(accountId, window);
        if (maxConcurrent > 0 && (known == null || !known.answered())) live.put(key, new LiveCall(false, now));
        return null;
    }

    /** Forgets a call the router refused: whatever the edge reported of it, it will not be connected. */
    public void refused(Account account, String callId) {
        if (account.getMaxConcurrentCalls() > 0) live.delete(key(account.getAccountId(), callId));
    }

    /**
     * Follows the edge's report of a call's life. Calls of an account without a concurrent-call
     * limit ({@code limited} false) are not tracked; their end still removes an entry left from
     * when the account had one. A limit set while calls are up counts them from their next event
     * (INTERIM, at the latest, for answered calls).
     */
    public void onEvent(CallEvent event, long now, boolean limited) {
        String key = key(event.getAccountId(), event.getCallId());
        switch (event.getType()) {
            case ATTEMPT, RINGING -> {
                if (!limited) return;
                LiveCall known = live.get(key);
                live.put(key, new LiveCall(known != null && known.answered(), now));
            }
            case ANSWERED, INTERIM -> {
                if (limited) live.put(key, new LiveCall(true, now));
            }
            case ENDED, FAILED -> {
                if (live.get(key) != null) live.delete(key); // no tombstone for a call never tracked
            }
        }
    }

    /** Deletes the entries that have outlived their age; returns how many. */
    public int sweep(long now) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, LiveCall> all = live.all()) {
            while (all.hasNext()) {
                KeyValue<String, LiveCall> entry = all.next();
                if (expired(entry.value, now)) expired.add(entry.key);
            }
        }
        expired.forEach(live::delete);
        return expired.size();
    }

    /**
     * Whether the store holds any call of the account. A prefix scan of the in-memory store copies
     * the matching keys only, so for an account with none it costs a map lookup, not a scan.
     */
    public boolean tracksCallsOf(String accountId) {
        try (KeyValueIterator<String, LiveCall> calls = live.prefixScan(accountId + SEPARATOR, KEYS)) {
            return calls.hasNext();
        }
    }

    /** The live calls of an account, counting at most up to {@code enough}. */
    public int countLive(String accountId, long now, int enough) {
        int count = 0;
        try (KeyValueIterator<String, LiveCall> calls = live.prefixScan(accountId + SEPARATOR, KEYS)) {
            while (calls.hasNext() && count < enough) {
                if (!expired(calls.next().value, now)) count++;
            }
        }
        return count;
    }

    private boolean expired(LiveCall call, long now) {
        return now - call.seenAt() > (call.answered() ? liveMaxAgeMs : pendingMaxAgeMs);
    }

    static String key(String accountId, String callId) {
        return accountId + SEPARATOR + callId;
    }
}
