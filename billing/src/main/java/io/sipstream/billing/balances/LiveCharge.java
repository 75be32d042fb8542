package io.sipstream.billing.balances;

import java.math.BigDecimal;

/** What one live call costs so far, as its last INTERIM (or the stale-call estimate) says. */
public final class LiveCharge {
    public BigDecimal pricePerMinute;
    public BigDecimal cost;
    public long billableSeconds;
    public boolean outbound;

    public LiveCharge() {}

    public LiveCharge(BigDecimal pricePerMinute, BigDecimal cost, long billableSeconds, boolean outbound) {
        this.pricePerMinute = pricePerMinute;
        this.cost = cost;
        this.billableSeconds = billableSeconds;
        this.outbound = outbound;
    }
}
