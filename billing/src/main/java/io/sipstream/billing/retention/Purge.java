package io.sipstream.billing.retention;

import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.avro.UsagePeriod;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.state.KeyValueState;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Forgets what is past its retention, at most {@code billing.purge.batch} records of each kind per
 * run (the rest at the next ones), oldest first as the {@link ExpiryIndex} lists them: CDRs (the
 * account's count of stored CDRs follows), usage windows, credit idempotency keys and finished calls.
 * The topics keep everything; only the stores forget.
 */
public final class Purge {
    /** The stores the purge deletes from. */
    public record Stores(KeyValueState<RatedCdr> cdrs, KeyValueState<BalanceState> balances, KeyValueState<Usage> usage,
                         KeyValueState<CreditReceipt> receipts, KeyValueState<Long> endedCalls) {}

    private final ExpiryIndex expiry;
    private final Retention retention;
    private final Duration closedCallRetention;
    private final Stores stores;

    public Purge(ExpiryIndex expiry, Retention retention, Duration closedCallRetention, Stores stores) {
        this.expiry = expiry;
        this.retention = retention;
        this.closedCallRetention = closedCallRetention;
        this.stores = stores;
    }

    public void run(long now) {
        int batch = retention.purgeBatch();
        Map<String, Long> droppedCdrs = new HashMap<>();
        expiry.forgetDue(ExpiryIndex.CDRS, retention.cdrs(), now, batch, key -> {
            RatedCdr old = stores.cdrs().delete(key);
            if (old != null) droppedCdrs.merge(old.getAccountId(), 1L, Long::sum);
        });
        droppedCdrs.forEach((accountId, count) -> {
            BalanceState state = stores.balances().get(accountId);
            if (state != null) {
                state.storedCdrs = Math.max(0, state.storedCdrs - count);
                stores.balances().put(accountId, state);
            }
        });
        for (UsagePeriod period : UsagePeriod.values()) {
            expiry.forgetDue(ExpiryIndex.usageKind(period), retention.usage(period), now, batch, stores.usage()::delete);
        }
        expiry.forgetDue(ExpiryIndex.CREDIT_KEYS, retention.creditKeys(), now, batch, stores.receipts()::delete);
        expiry.forgetDue(ExpiryIndex.ENDED_CALLS, closedCallRetention, now, batch, stores.endedCalls()::delete);
    }
}
