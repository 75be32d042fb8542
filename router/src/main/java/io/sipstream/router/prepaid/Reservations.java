package io.sipstream.router.prepaid;

import io.sipstream.avro.CallEvent;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The prepaid balance the router has promised to calls it routed, kept where the account's
 * attempts are decided (one task has all of an account's attempts and events), so that calls set
 * up together share the balance instead of each being capped by all of it.
 *
 * <p>Billing's balance lags: a call is in it only once billing reads the call's events, and ten
 * attempts can arrive before the first event. So each routed prepaid call holds the most it can
 * cost at its cap (key accountId NUL callId) until its ENDED or FAILED event arrives, and the next
 * call of the account is capped by the balance less the holds. A hold whose end is never reported
 * stops counting at its cap plus a margin (the edge hangs up at the cap) and the sweeper deletes
 * it. The store has a changelog: the holds survive a restart or a move of the task.
 */
public final class Reservations {
    private static final char SEPARATOR = '\u0000';
    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, Reservation> store;
    private final long marginMs;

    /** @param margin how long past its cap a hold counts without news of the call (ringing, set-up, delays) */
    public Reservations(KeyValueStore<String, Reservation> store, Duration margin) {
        this.store = store;
        this.marginMs = margin.toMillis();
    }

    /**
     * The account's holds that still count at {@code now}, but the call {@code exceptCallId}'s own
     * (an attempt read again after a fail-over is not held against itself).
     */
    public Held held(String accountId, String exceptCallId, long now) { return held(store, accountId, exceptCallId, now); }

    /** {@link #held(String, String, long)} of a store read from outside the topology (interactive queries). */
    public static Held held(ReadOnlyKeyValueStore<String, Reservation> store, String accountId, String exceptCallId, long now) {
        Held held = Held.NONE;
        String except = exceptCallId == null ? null : key(accountId, exceptCallId);
        try (KeyValueIterator<String, Reservation> calls = store.prefixScan(accountId + SEPARATOR, KEYS)) {
            while (calls.hasNext()) {
                KeyValue<String, Reservation> call = calls.next();
                if (!call.key.equals(except) && call.value.expiresAt() > now) held = held.plus(call.value);
            }
        }
        return held;
    }

    /** Holds {@code amount} of the account's balance for the call, for at most its cap plus the margin. */
    public void hold(String accountId, String callId, BigDecimal amount, BigDecimal perMinute, int capSeconds, long now) {
        store.put(key(accountId, callId), new Reservation(amount, perMinute, now + capSeconds * 1000L + marginMs));
    }

    /** Lets go of the call's hold, if it has one. */
    public void release(String accountId, String callId) {
        String key = key(accountId, callId);
        if (store.get(key) != null) store.delete(key); // no tombstone for a call never held
    }

    /** A call's end, however it ended, frees what it held: billing charges it from its events. */
    public void onEvent(CallEvent event) {
        switch (event.getType()) {
            case ENDED, FAILED -> release(event.getAccountId(), event.getCallId());
            default -> { }
        }
    }

    /** Whether any call of the account holds part of its balance (a map lookup for an account with none). */
    public boolean holdsCallsOf(String accountId) {
        try (KeyValueIterator<String, Reservation> calls = store.prefixScan(accountId + SEPARATOR, KEYS)) {
            return calls.hasNext();
        }
    }

    /** Deletes the holds that expired; returns how many. */
    public int sweep(long now) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Reservation> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, Reservation> entry = all.next();
                if (entry.value.expiresAt() <= now) expired.add(entry.key);
            }
        }
        expired.forEach(store::delete);
        return expired.size();
    }

    static String key(String accountId, String callId) {
        return accountId + SEPARATOR + callId;
    }
}
