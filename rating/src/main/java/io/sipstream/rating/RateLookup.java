package io.sipstream.rating;

import io.sipstream.avro.Rate;
import java.util.function.Function;

/**
 * Finds the rate of a destination: the longest prefix of the account's own deck, else of the deck
 * {@code default}. A match whose currency is not the account's refuses the rating (see
 * docs: billing rates only in the account's currency) instead of falling through to a shorter one.
 * Billing rates calls with it and the router prices the prepaid cap with it, so the two agree on
 * which row, if any, a call is charged by.
 */
public final class RateLookup {

    /** The outcome: a rate, or why there is none. */
    public record Result(RateSnapshot rate, String refusal) {
        public boolean rated() { return rate != null; }
    }

    private final Function<String, Rate> rows;

    /** @param rows the rate of a {@code deckId:prefix} key, or null */
    public RateLookup(Function<String, Rate> rows) { this.rows = rows; }

    /**
     * @param accountDeckId the account's rate deck; null or blank for the deck {@code default}
     * @param destination an E.164 number or a SIP URI whose user part is one
     * @param accountCurrency the currency the account is billed in ({@link AccountCurrency})
     */
    public Result find(String accountDeckId, String destination, String accountCurrency) {
        String digits = digits(destination);
        if (digits.isEmpty()) return new Result(null, "no destination number to rate");
        String own = deckOf(accountDeckId);
        Rate match = longest(own, digits);
        if (match == null && !own.equals(RateKeys.DEFAULT_DECK)) match = longest(RateKeys.DEFAULT_DECK, digits);
        if (match == null) {
            return new Result(null, "no rate for +" + digits + " in deck '" + own + "'"
                    + (own.equals(RateKeys.DEFAULT_DECK) ? "" : " nor in deck 'default'"));
        }
        if (!match.getCurrency().equals(accountCurrency)) {
            return new Result(null, "rate " + match.getDeckId() + ":" + match.getPrefix() + " is in " + match.getCurrency()
                    + " but the account is billed in " + accountCurrency);
        }
        return new Result(RateSnapshot.of(match), null);
    }

    /**
     * The longest prefix of one deck alone, with no fallback to {@code default} and no currency
     * rule: a carrier's deck says what a minute on its trunk costs (least-cost routes), whatever
     * the caller is billed in. Null when the deck prices nothing of the destination.
     */
    public RateSnapshot inDeck(String deckId, String destination) {
        if (deckId == null || deckId.isBlank()) return null;
        String digits = digits(destination);
        Rate match = digits.isEmpty() ? null : longest(deckId, digits);
        return match == null ? null : RateSnapshot.of(match);
    }

    /** The deck an account is rated by: its own, else {@code default} when it names none. */
    private static String deckOf(String accountDeckId) {
        return accountDeckId == null || accountDeckId.isBlank() ? RateKeys.DEFAULT_DECK : accountDeckId;
    }

    private Rate longest(String deckId, String digits) {
        for (int len = digits.length(); len > 0; len--) {
            Rate rate = rows.apply(RateKeys.key(deckId, digits.substring(0, len)));
            if (rate != null) return rate;
        }
        return null;
    }

    /** The digits of an E.164 number ({@code +15551234567} -> {@code 15551234567}); a SIP URI's user part. */
    static String digits(String destination) {
        if (destination == null) return "";
        String s = destination.trim();
        if (s.startsWith("sip:") || s.startsWith("sips:")) {
            int colon = s.indexOf(':');
            int at = s.indexOf('@');
            s = at > colon ? s.substring(colon + 1, at) : s.substring(colon + 1);
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length() && out.length() < 20; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') out.append(c);
            else if (c != '+' && c != '-' && c != ' ' && c != '(' && c != ')' && c != '.') return ""; // not a number
        }
        return out.toString();
    }
}
