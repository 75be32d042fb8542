package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.rating.AccountCurrency;
import io.sipstream.rating.RateLookup;
import io.sipstream.rating.RateSnapshot;
import io.sipstream.rating.Rating;
import io.sipstream.router.numbers.E164Number;
import io.sipstream.router.prepaid.Held;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * The account's money controls on a call that leaves over a trunk: billing's block, a prepaid
 * balance, and what that balance buys of the destination, priced as billing will rate it: the same
 * {@link RateLookup} (the longest prefix in the account's deck, else in deck {@code default}, in
 * the account's currency) and the same {@link Rating} arithmetic, from the rating module.
 *
 * <p>A prepaid balance is billing's last word less what the router holds for the account's calls
 * routed since ({@link RoutingState#held}): calls set up together share it. A postpaid account's
 * outbound call needs a rate too, unless the account allows unrated calls: billing charges an
 * unrated call nothing, so no credit limit would ever stop it.
 */
final class MoneyControls {
    private static final BigDecimal SIXTY = BigDecimal.valueOf(60);
    private static final long SAFETY_SECONDS = 1;
    /** The smallest amount the schemas hold (6 decimals). */
    private static final BigDecimal ONE_UNIT = BigDecimal.ONE.movePointLeft(Money.SCALE);

    /** A cap on the duration (null: none), or the SIP status and reason of a refusal. */
    record Outcome(Integer maxDurationSeconds, int sipStatus, String reason) {
        static final Outcome NO_CAP = new Outcome(null, 0, null);
        static Outcome cap(int seconds) { return new Outcome(seconds, 0, null); }
        static Outcome refuse(int sipStatus, String reason) { return new Outcome(null, sipStatus, reason); }
        boolean ok() { return sipStatus == 0; }
    }

    private final RoutingState state;
    private final RateLookup rates;
    private final int maxCapSeconds;

    /** @param maxCap the longest cap a prepaid call gets, and so the most of the balance one call holds */
    MoneyControls(RoutingState state, Duration maxCap) {
        this.state = state;
        this.rates = new RateLookup(state::rate);
        this.maxCapSeconds = (int) Math.min(Integer.MAX_VALUE, Math.max(1, maxCap.toSeconds()));
    }

    /** Prepaid when the registry says so or billing does: either alone is enough. */
    static boolean prepaid(Account account, BlockDecision block) {
        return account.getPrepaid() || (block != null && block.getPrepaid());
    }

    /**
     * Whether the account may spend at all: billing does not block it (else the block's status,
     * 402 by default) and, when prepaid, billing has decided on it (else 402 no balance known yet:
     * a new prepaid account waits for billing) with a balance above zero (else 402).
     */
    static Outcome standing(Account account, BlockDecision block) {
        String accountId = account.getAccountId();
        if (block != null && block.getBlocked()) {
            int status = block.getSipStatus() >= 400 && block.getSipStatus() <= 699 ? block.getSipStatus() : Verdicts.PAYMENT_REQUIRED;
            String why = block.getReason() == null || block.getReason().isBlank() ? "" : ": " + block.getReason();
            return Outcome.refuse(status, "account " + accountId + " is blocked by billing" + why);
        }
        // The registry's flag counts on its own: a new prepaid account must not call freely until billing speaks.
        if (!prepaid(account, block)) return Outcome.NO_CAP;
        if (block == null) {
            return Outcome.refuse(Verdicts.PAYMENT_REQUIRED, "prepaid account " + accountId
                    + ": no balance known yet (billing has not decided on it)");
        }
        if (block.getBalance().signum() <= 0) {
            return Outcome.refuse(Verdicts.PAYMENT_REQUIRED, "prepaid account " + accountId + " has no balance left ("
                    + block.getBalance().toPlainString() + " " + currency(account, block) + ")");
        }
        return Outcome.NO_CAP;
    }

    /**
     * Both: the account's standing, then what its balance buys of a call to the destination
     * (see {@link #cap(Account, BlockDecision, E164Number)}).
     */
    Outcome check(Account account, E164Number destination) {
        BlockDecision block = state.block(account.getAccountId());
        Outcome standing = standing(account, block);
        return standing.ok() ? cap(account, block, destination, null) : standing;
    }

    /**
     * An outbound call's money controls after the account's standing: a prepaid call's cap
     * ({@link #cap}); a postpaid call needs a rate for the destination unless the account allows
     * unrated calls (else 403).
     */
    Outcome outbound(Account account, BlockDecision block, E164Number destination, String callId) {
        if (prepaid(account, block)) return cap(account, block, destination, callId);
        if (account.getAllowUnratedCalls()) return Outcome.NO_CAP;
        RateLookup.Result rated = rates.find(account.getRateDeckId(), destination.e164(), currency(account, block));
        if (rated.rated()) return Outcome.NO_CAP;
        // billing would charge it nothing, and the credit limit would never count it
        return Outcome.refuse(Verdicts.FORBIDDEN, "destination not rated: " + rated.refusal() + "; account "
                + account.getAccountId() + " does not allow unrated calls (allowUnratedCalls)");
    }

    /**
     * What a routed prepaid call holds of the account's balance: the most billing can charge it at
     * its cap (its fee, and its minutes as billed for the cap and the safety second), and its price
     * per minute; null when it holds nothing (a postpaid account, or a free call without a fee).
     * Priced as {@link #cap} priced it: the state has not changed since.
     */
    PrepaidHold hold(Account account, RoutingVerdict verdict) {
        BlockDecision block = state.block(account.getAccountId());
        if (verdict.getDestination() == null || !prepaid(account, block)) return null;
        RateLookup.Result rated = rates.find(account.getRateDeckId(), verdict.getDestination(), currency(account, block));
        if (!rated.rated()) return null;
        RateSnapshot rate = rated.rate();
        BigDecimal price = rate.pricePerMinute().max(BigDecimal.ZERO);
        BigDecimal fee = rate.connectionFee().max(BigDecimal.ZERO);
        Integer cap = verdict.getMaxDurationSeconds();
        BigDecimal amount;
        int seconds;
        if (cap != null) {
            seconds = cap;
            long billed = Rating.billableSeconds((cap + SAFETY_SECONDS) * 1000L, Math.max(0, rate.firstIncrement()),
                    Math.max(1, rate.nextIncrement()));
            amount = Money.of(Rating.minutesCost(price, billed).add(fee));
        } else {
            // uncapped: a free destination, whose calls still cost their fee; else a call not priced
            // here at all (a dial plan's extension to another account), which holds nothing
            if (price.signum() != 0) return null;
            seconds = maxCapSeconds;
            amount = Money.of(fee);
        }
        return amount.signum() > 0 ? new PrepaidHold(amount, Money.of(price), seconds) : null;
    }

    /** The currency the account is billed in: its balance's (billing's decision), else the registry's. */
    static String currency(Account account, BlockDecision block) {
        return AccountCurrency.billedIn(block == null ? null : block.getCurrency(), account.getCurrency());
    }

    /**
     * What a prepaid account's balance buys of a call to the destination: no cap for a postpaid
     * account; 403 when billing could not rate the call (no rate, or a rate in another currency);
     * 402 when the balance, less what the account's other calls hold ({@code callId} is the call
     * being decided, never held against itself), does not cover the connection fee and the first
     * increment. The account's standing (block, known balance > 0) is checked before.
     */
    Outcome cap(Account account, BlockDecision block, E164Number destination, String callId) {
        if (!prepaid(account, block)) return Outcome.NO_CAP;
        String accountId = account.getAccountId();
        String currency = currency(account, block);
        RateLookup.Result rated = rates.find(account.getRateDeckId(), destination.e164(), currency);
        if (!rated.rated()) {
            // billing would not rate such a call, so it would be free: refuse it here
            return Outcome.refuse(Verdicts.FORBIDDEN, "destination not rated for prepaid: " + rated.refusal());
        }
        return cap(accountId, block.getBalance(), currency, rated.rate(), block.getLivePerMinute(),
                state.held(accountId, callId), maxCapSeconds);
    }

    /**
     * The longest call the balance pays for as billing will charge it: the connection fee, the
     * first increment whole, then whole next increments, while the account's live calls burn
     * {@code livePerMinute} over the same time; less a safety second (billing counts milliseconds,
     * and the edge needs a moment to hang up); at most {@code maxCapSeconds}. No cap when nothing
     * is charged per minute.
     *
     * <p>What the router holds for the account's other calls comes off the balance. A held call's
     * whole cost is in its hold, so its price comes off the live burn too: billing's balance counts
     * what such a call has cost so far as well, which leaves the account less than it has while the
     * call is up, never more.
     */
    static Outcome cap(String accountId, BigDecimal balance, String currency, RateSnapshot rate, BigDecimal livePerMinute,
                       Held held, int maxCapSeconds) {
        BigDecimal fee = rate.connectionFee();
        BigDecimal spendable = balance.subtract(held.amount()).subtract(fee);
        String what = "prepaid balance of account " + accountId + " (" + balance.toPlainString() + " " + currency
                + (held.calls() == 0 ? "" : ", " + held.amount().toPlainString() + " of it held for " + held.calls()
                        + (held.calls() == 1 ? " call" : " calls") + " routed and not ended") + ")";
        if (spendable.signum() <= 0) {
            return Outcome.refuse(Verdicts.PAYMENT_REQUIRED, what + " does not cover the connection fee of "
                    + fee.stripTrailingZeros().toPlainString() + " (rate " + rate.deckId() + ":" + rate.prefix() + ")");
        }
        BigDecimal price = rate.pricePerMinute().max(BigDecimal.ZERO);
        BigDecimal live = (livePerMinute == null ? BigDecimal.ZERO : livePerMinute).subtract(held.perMinute()).max(BigDecimal.ZERO);
        if (price.signum() == 0 && live.signum() == 0) return Outcome.NO_CAP;
        // a row written to billing.rates by hand may hold increments the CSV refuses: price it as 0/1, never fail
        long affordable = affordableSeconds(spendable, price, Math.max(0, rate.firstIncrement()),
                Math.max(1, rate.nextIncrement()), live);
        long seconds = affordable - SAFETY_SECONDS;
        if (seconds < 1) {
            return Outcome.refuse(Verdicts.PAYMENT_REQUIRED, what + " does not buy the first increment ("
                    + Math.max(0, rate.firstIncrement()) + " s at " + price.stripTrailingZeros().toPlainString()
                    + " per minute plus a connection fee of " + fee.stripTrailingZeros().toPlainString()
                    + (live.signum() == 0 ? "" : ", live calls " + live.stripTrailingZeros().toPlainString() + " per minute")
                    + ") with a second to spare");
        }
        return Outcome.cap((int) Math.min(maxCapSeconds, seconds));
    }

    /**
     * The most whole seconds t whose minutes, as billing charges them ({@link Rating#minutesCost} of
     * {@link Rating#billableSeconds}), plus the live calls' burn {@code live * t / 60}, fit in
     * {@code spendable}; 0 when not even the first increment is paid for. The cost grows with t, so
     * a binary search finds it.
     */
    static long affordableSeconds(BigDecimal spendable, BigDecimal pricePerMinute, int first, int next, BigDecimal livePerMinute) {
        BigDecimal budget = spendable.multiply(SIXTY);
        // billed(t) >= t, and billing rounds a cost down by at most half its last decimal (one unit more
        // here), so t <= (spendable + 0.000001) * 60 / (price + live)
        long hi = spendable.add(ONE_UNIT).multiply(SIXTY).divide(pricePerMinute.add(livePerMinute), 0, RoundingMode.FLOOR)
                .min(BigDecimal.valueOf(Integer.MAX_VALUE)).longValueExact();
        long lo = 0; // cost(0) = 0 fits
        while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            BigDecimal minutes = Rating.minutesCost(pricePerMinute, Rating.billableSeconds(mid * 1000L, first, next));
            BigDecimal cost = minutes.multiply(SIXTY).add(livePerMinute.multiply(BigDecimal.valueOf(mid)));
            if (cost.compareTo(budget) <= 0) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}
