package io.sipstream.billing.blocks;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.LiveCharge;
import io.sipstream.rating.AccountCurrency;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * Whether an account may call: a prepaid account is blocked once its balance (credits minus rated
 * and live calls) is spent, a postpaid one once it owes its credit limit, and either once its
 * monthly minute allowance is used up. A top-up, a new month or a changed account lifts the block.
 */
public final class BlockPolicy {
    public static final int PAYMENT_REQUIRED = 402;

    public static BlockDecision decide(String accountId, Account account, BalanceState state, Instant now) {
        String currency = AccountCurrency.billedIn(state.currency, account.getCurrency());
        BigDecimal balance = state.balance();
        Long minutesLeft = null;
        boolean allowanceUsed = false;
        Integer monthly = account.getMonthlyMinutes();
        if (monthly != null) {
            long used = usedSecondsThisMonth(state, now);
            long allowed = monthly * 60L;
            allowanceUsed = used >= allowed;
            minutesLeft = Math.max(0, allowed - used) / 60;
        }
        String reason = "";
        if (account.getPrepaid() && balance.signum() <= 0) {
            reason = "prepaid balance spent: " + balance.toPlainString() + " " + currency;
        } else if (!account.getPrepaid() && account.getCreditLimit() != null
                && balance.add(account.getCreditLimit()).signum() <= 0) {
            reason = "credit limit of " + Money.of(account.getCreditLimit()).toPlainString() + " " + currency + " reached: balance "
                    + balance.toPlainString() + " " + currency;
        } else if (allowanceUsed) {
            reason = "monthly allowance of " + monthly + " minutes used up";
        }
        return BlockDecision.newBuilder()
                .setAccountId(accountId)
                .setBlocked(!reason.isEmpty())
                .setSipStatus(PAYMENT_REQUIRED)
                .setReason(reason)
                .setPrepaid(account.getPrepaid())
                .setBalance(balance)
                .setCurrency(currency)
                .setLiveCalls(state.live.size())
                .setLivePerMinute(state.livePerMinute())
                .setMinutesLeft(minutesLeft)
                .setDecidedAt(now)
                .build();
    }

    /** Billable seconds of outbound calls in the current UTC month, live calls included. */
    public static long usedSecondsThisMonth(BalanceState state, Instant now) {
        long used = month(now).equals(state.allowanceMonth) ? state.allowanceSeconds : 0;
        for (LiveCharge c : state.live.values()) if (c.outbound) used += c.billableSeconds;
        return used;
    }

    public static String month(Instant at) { return YearMonth.from(at.atZone(ZoneOffset.UTC)).toString(); }

    /**
     * The account's decision now when it says something the last published one did not, recorded
     * in the state as the last published; empty when nothing changed (not published again).
     */
    public static Optional<BlockDecision> changed(String accountId, Account account, BalanceState state, Instant now) {
        BlockDecision decision = decide(accountId, account, state, now);
        String fingerprint = fingerprint(decision);
        if (fingerprint.equals(state.lastDecision)) return Optional.empty();
        state.lastDecision = fingerprint;
        return Optional.of(decision);
    }

    /**
     * What a decision says that its readers act on, without when: an unchanged fingerprint is not published again.
     * A prepaid account's balance and burn bound its next call (the router caps calls by them), so each change of
     * them is news. A postpaid account's are not: the router and the edge read only its standing (blocked or not,
     * why, its allowance), which moves when the credit limit or the allowance is reached, not at every call. Its
     * balance is read where it is kept (billing's {@code GET /v1/accounts/{id}/usage}); publishing it at every
     * answer and end cost two records a call on billing.blocks and in every reader.
     */
    public static String fingerprint(BlockDecision d) {
        String standing = d.getBlocked() + "|" + d.getReason() + "|" + d.getPrepaid() + "|" + d.getCurrency() + "|" + d.getMinutesLeft();
        return !d.getPrepaid() ? standing
                : standing + "|" + d.getBalance().toPlainString() + "|" + d.getLiveCalls() + "|" + d.getLivePerMinute().toPlainString();
    }

    private BlockPolicy() {}
}
