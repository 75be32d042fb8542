package io.sipstream.rating;

/**
 * The currency an account is billed in. Its balance's once billing has one (fixed by the first
 * money movement, and carried to the router on the block decision), else the registry's: changing
 * the account's currency later must not re-price a balance that already holds money.
 */
public final class AccountCurrency {

    /**
     * @param balanceCurrency the balance's currency as billing holds or decided it; null or blank when none yet
     * @param registryCurrency the account's currency in the registry
     */
    public static String billedIn(String balanceCurrency, String registryCurrency) {
        return balanceCurrency != null && !balanceCurrency.isBlank() ? balanceCurrency : registryCurrency;
    }

    private AccountCurrency() {}
}
