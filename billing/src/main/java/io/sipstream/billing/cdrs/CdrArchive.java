package io.sipstream.billing.cdrs;

import io.sipstream.avro.RatedCdr;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.retention.ExpiryIndex;
import io.sipstream.billing.retention.Retention;
import io.sipstream.billing.state.KeyValueState;

/**
 * The CDRs the REST API pages through (store {@code cdrs}, newest first per account): a CDR is
 * kept within its retention ({@code billing.cdr.store.retention}, from its end) and the account's
 * cap ({@code billing.cdr.store.max.per.account}), and the account's balance counts how many the
 * store holds. billing.cdrs keeps every CDR whatever the store forgets.
 */
public final class CdrArchive {
    private final KeyValueState<RatedCdr> cdrs;
    private final ExpiryIndex expiry;
    private final Retention retention;

    public CdrArchive(KeyValueState<RatedCdr> cdrs, ExpiryIndex expiry, Retention retention) {
        this.cdrs = cdrs;
        this.expiry = expiry;
        this.retention = retention;
    }

    /**
     * Keeps a CDR unless it is past its retention already; the oldest CDRs of the account make room
     * beyond the cap (a bounded number per call, should the cap have been lowered).
     */
    public void store(String accountId, BalanceState state, RatedCdr cdr, long now) {
        long ended = cdr.getEndedAt().toEpochMilli();
        if (Retention.expired(retention.cdrs(), ended, now)) return; // on billing.cdrs only
        String key = CdrKeys.key(accountId, cdr.getEndedAt(), cdr.getCallId());
        if (cdrs.get(key) == null) state.storedCdrs++;
        cdrs.put(key, cdr);
        expiry.add(ExpiryIndex.CDRS, ended, key);
        for (int dropped = 0; state.storedCdrs > retention.cdrsPerAccount() && dropped < retention.purgeBatch(); dropped++) {
            String oldest = cdrs.lastKey(CdrKeys.accountStart(accountId), CdrKeys.accountEnd(accountId));
            if (oldest == null) break;
            cdrs.delete(oldest);
            expiry.remove(ExpiryIndex.CDRS, CdrKeys.endedAtOf(accountId, oldest), oldest);
            state.storedCdrs--;
        }
    }
}
