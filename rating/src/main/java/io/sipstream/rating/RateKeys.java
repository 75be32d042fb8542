package io.sipstream.rating;

/** Keys of billing.rates: {@code deckId:prefix}. */
public final class RateKeys {
    public static final String DEFAULT_DECK = "default";
    public static final char SEPARATOR = ':';

    public static String key(String deckId, String prefix) { return deckId + SEPARATOR + prefix; }

    /** First key of a deck in key order, and the bound after its last: for range scans. */
    public static String deckStart(String deckId) { return deckId + SEPARATOR; }

    public static String deckEnd(String deckId) { return deckId + SEPARATOR + '\uffff'; }

    public static boolean inDeck(String key, String deckId) { return key.startsWith(deckStart(deckId)); }

    private RateKeys() {}
}
