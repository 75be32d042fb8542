package io.sipstream.billing;

/** The state stores of the billing topology; the REST API reads the queryable ones. */
public final class StoreNames {
    /** Global: every rate deck row by {@code deckId:prefix}. */
    public static final String RATES = "rates";
    /** registry.accounts by account id. */
    public static final String ACCOUNTS = "accounts";
    /** {@link io.sipstream.billing.balances.BalanceState} by account id. */
    public static final String BALANCES = "balances";
    /** {@link io.sipstream.billing.calls.CallState} of live calls by {@code accountId|callId}. */
    public static final String CALLS = "calls";
    /**
     * A window store: when (wall clock) a finished call ended, by {@code accountId|callId} at that time; forgotten
     * after {@code billing.closed.call.retention} by dropping whole segments, so neither an index entry nor a
     * tombstone per call.
     */
    public static final String CLOSED_CALLS = "closed-calls";
    /**
     * What {@link #CLOSED_CALLS} was before it, a key-value store: no longer written, still read and purged (through
     * the expiry index) until the calls it remembers are past their retention.
     */
    public static final String ENDED_CALLS = "ended-calls";
    /** {@link io.sipstream.billing.balances.CreditReceipt} by {@code accountId|idempotencyKey}. */
    public static final String CREDIT_RECEIPTS = "credit-receipts";
    /** Usage by {@code accountId|PERIOD|windowStartIso}. */
    public static final String USAGE = "usage";
    /** RatedCdr by {@code accountId|newest-first time|callId}. */
    public static final String CDRS = "cdrs";
    /** The time index of what the purge forgets: see {@link io.sipstream.billing.retention.ExpiryIndex}. */
    public static final String EXPIRY = "expiry";

    private StoreNames() {}
}
