package io.sipstream.billing.balances;

import io.sipstream.avro.Account;
import io.sipstream.rating.AccountCurrency;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The money of one account (store {@code balances}, key accountId): credits and charges of rated
 * calls in the balance currency, the charges of live calls, this month's allowance minutes and
 * the last decision published, so that an unchanged decision is not published again.
 */
public final class BalanceState {
    /** Fixed by the first credit or charge; null before. */
    public String currency;
    public BigDecimal credits = Money.ZERO;
    public BigDecimal charged = Money.ZERO;
    /** Live calls by call id. */
    public Map<String, LiveCharge> live = new TreeMap<>();
    /** CDRs rated for the account, ever. */
    public long cdrCount;
    /** CDRs of the account the store {@code cdrs} holds now (within retention and the per-account cap). */
    public long storedCdrs;
    /** yyyy-MM (UTC) of {@link #allowanceSeconds}. */
    public String allowanceMonth;
    public long allowanceSeconds;
    public String lastDecision;
    /**
     * The hours (UTC, epoch ms of their start) of calls whose usage windows (the hour, its day and
     * month) changed since billing.usage last got them: sent at the next publication
     * ({@link io.sipstream.billing.usage.UsagePublication}). Kept here, and not only in memory, so that a
     * commit between the change and the publication (a rebalance, a shutdown, a crash after it) loses nothing.
     */
    public SortedSet<Long> unpublishedUsageHours = new TreeSet<>();

    /**
     * The currency of the balance ({@link AccountCurrency}: fixed by its first money movement, else
     * the account's). Credits and rates in another currency are refused, never converted.
     */
    public String billedIn(Account account) { return AccountCurrency.billedIn(currency, account.getCurrency()); }

    public BigDecimal liveCost() {
        BigDecimal sum = Money.ZERO;
        for (LiveCharge c : live.values()) sum = sum.add(c.cost);
        return Money.of(sum);
    }

    public BigDecimal livePerMinute() {
        BigDecimal sum = Money.ZERO;
        for (LiveCharge c : live.values()) sum = sum.add(c.pricePerMinute);
        return Money.of(sum);
    }

    /** Credits minus the cost of rated and of live calls. */
    public BigDecimal balance() { return Money.of(credits.subtract(charged).subtract(liveCost())); }
}
