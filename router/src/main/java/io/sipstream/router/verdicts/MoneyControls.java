package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.rating.AccountCurrency;
import io.sipstream.rating.RateLookup;
import io.sipstream.rating.RateSnapshot;
import io.sipstream.rating.Rating;
import io.sipstream.router.numbers.E164Number;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The account's money controls on a call that leaves over a trunk: billing's block, a prepaid
 * balance, and what that balance buys of the destination, priced as billing will rate it: the same
 * {@link RateLookup} (the longest prefix in the account's deck, else in deck {@code default}, in
 * the account's currency) and the same {@link Rating} arithmetic, from the rating module.
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

    MoneyControls(RoutingState state) {
        this.state = state;
        this.rates = new RateLookup(state::rate);
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
        return standing.ok() ? cap(account, block, destination) : standing;
    }

    /** The currency the account is billed in: its balance's (billing's decision), else the registry's. */
    static String currency(Account account, BlockDecision block) {
        return AccountCurrency.billedIn(block == null ? null : block.getCurrency(), account.getCurrency());
    }

    /**
     * What a prepaid account's balance buys of a call to the destination: no cap for a postpaid
     * account; 403 when billing could not rate the call (no rate, or a rate in another currency);
     * 402 when the balance does not cover the connection fee and the first increment. The account's standing (block, known balance > 0)
     * is checked before.
     */
    Outcome cap(Account account, BlockDecision block, E164Number destination) {
        if (!prepaid(account, block)) return Outcome.NO_CAP;
        String accountId = account.getAccountId();
        String currency = currency(account, block);
        RateLookup.Result rated = rates.find(account.getRateDeckId(), destination.e164(), currency);
        if (!rated.rated()) {
            // billing would not rate such a call, so it would be free: refuse it here
            return Outcome.refuse(Verdicts.FORBIDDEN, "destination not rated for prepaid: " + rated.refusal());
        }
        return cap(accountId, block.getBalance(), currency, rated.rate(), block.getLivePerMinute());
    }

    /**
     * The longest call the balance pays for as billing will charge it: the connection fee, the
     * first increment whole, then whole next increments, while the account's live calls burn
     * {@code livePerMinute} over the same time; less a safety second (billing counts milliseconds,
     * and the edge needs a moment to hang up). No cap when nothing is charged per minute.
     */
    static Outcome cap(String accountId, BigDecimal balance, String currency, RateSnapshot rate, BigDecimal livePerMinute) {
        BigDecimal fee = rate.connectionFee();
        BigDecimal spendable = balance.subtract(fee);
        String what = "prepaid balance of account " + accountId + " (" + balance.toPlainString() + " " + currency + ")";
        if (spendable.signum() <= 0) {
            return Outcome.refuse(Verdicts.PAYMENT_REQUIRED, what + " does not cover the connection fee of "
                    + fee.stripTrailingZeros().toPlainString() + " (rate " + rate.deckId() + ":" + rate.prefix() + ")");
        }
        BigDecimal price = rate.pricePerMinute().max(BigDecimal.ZERO);
        BigDecimal live = livePerMinute == null ? BigDecimal.ZERO : livePerMinute.max(BigDecimal.ZERO);
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
        return Outcome.cap((int) Math.min(Integer.MAX_VALUE, seconds));
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
