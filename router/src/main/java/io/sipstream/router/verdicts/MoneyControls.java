package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.Rate;
import io.sipstream.router.numbers.E164Number;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The account's money controls on a call that leaves over a trunk: billing's block, a prepaid
 * balance, and what that balance buys of the destination, priced as billing will rate it (the
 * longest prefix in the account's deck, else in deck {@code default}, in the account's currency).
 */
final class MoneyControls {
    private static final BigDecimal SIXTY = BigDecimal.valueOf(60);

    /** A cap on the duration (null: none), or the SIP status and reason of a refusal. */
    record Outcome(Integer maxDurationSeconds, int sipStatus, String reason) {
        static final Outcome NO_CAP = new Outcome(null, 0, null);
        static Outcome cap(int seconds) { return new Outcome(seconds, 0, null); }
        static Outcome refuse(int sipStatus, String reason) { return new Outcome(null, sipStatus, reason); }
        boolean ok() { return sipStatus == 0; }
    }

    private final RoutingState state;

    MoneyControls(RoutingState state) { this.state = state; }

    /** Prepaid when the registry says so or billing does: either alone is enough. */
    static boolean prepaid(Account account, BlockDecision block) {
        return account.getPrepaid() || (block != null && block.getPrepaid());
    }

    /** The currency the account is billed in: its balance's (billing's decision), else the registry's. */
    static String currency(Account account, BlockDecision block) {
        return block != null && block.getCurrency() != null && !block.getCurrency().isBlank()
                ? block.getCurrency() : account.getCurrency();
    }

    /**
     * What a prepaid account's balance buys of a call to the destination: no cap for a postpaid
     * account; 403 when billing could not rate the call (no rate, or a rate in another currency);
     * 402 when the balance does not buy a second. The account's standing (block, known balance > 0)
     * is checked before.
     */
    Outcome cap(Account account, BlockDecision block, E164Number destination) {
        if (!prepaid(account, block)) return Outcome.NO_CAP;
        String accountId = account.getAccountId();
        String currency = currency(account, block);
        String deck = account.getRateDeckId() == null || account.getRateDeckId().isBlank()
                ? RoutingState.DEFAULT_RATE_DECK : account.getRateDeckId();
        Rate rate = state.rate(deck, destination.digits());
        if (rate == null && !deck.equals(RoutingState.DEFAULT_RATE_DECK)) {
            rate = state.rate(RoutingState.DEFAULT_RATE_DECK, destination.digits());
        }
        if (rate == null) {
            return Outcome.refuse(Verdicts.FORBIDDEN, "destination not rated for prepaid: no rate for " + destination.e164()
                    + " in deck '" + deck + "'" + (deck.equals(RoutingState.DEFAULT_RATE_DECK) ? "" : " nor in deck 'default'"));
        }
        if (!currency.equals(rate.getCurrency())) {
            // billing refuses to rate such a call, so it would be free: refuse it here
            return Outcome.refuse(Verdicts.FORBIDDEN, "destination not rated for prepaid: rate " + rate.getDeckId() + ":"
                    + rate.getPrefix() + " is in " + rate.getCurrency() + " but account " + accountId + " is billed in " + currency);
        }
        BigDecimal perMinute = block.getLivePerMinute().add(rate.getPricePerMinute());
        if (perMinute.signum() <= 0) return Outcome.NO_CAP;
        BigDecimal seconds = block.getBalance().multiply(SIXTY).divide(perMinute, 0, RoundingMode.FLOOR);
        if (seconds.signum() <= 0) {
            return Outcome.refuse(Verdicts.PAYMENT_REQUIRED, "prepaid balance of account " + accountId + " ("
                    + block.getBalance().toPlainString() + " " + currency + ") buys less than a second at "
                    + perMinute.stripTrailingZeros().toPlainString() + " per minute");
        }
        return Outcome.cap(seconds.min(BigDecimal.valueOf(Integer.MAX_VALUE)).intValue());
    }
}
