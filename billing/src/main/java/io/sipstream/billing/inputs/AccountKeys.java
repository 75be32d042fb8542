package io.sipstream.billing.inputs;

/**
 * The account of a record on an account-keyed topic: its key, or the account id in its value when
 * the key is missing. A value naming another account than its key is refused: it sits on the
 * partition of the key, so billing it would charge the account on a task that does not own it.
 */
public final class AccountKeys {

    public static String accountId(String key, String valueAccountId, String what) {
        if (key == null || key.isBlank()) {
            if (valueAccountId == null || valueAccountId.isBlank()) throw new BadRecordException(what + " without an account id");
            return valueAccountId;
        }
        if (valueAccountId != null && !valueAccountId.isBlank() && !valueAccountId.equals(key)) {
            throw new BadRecordException(what + " of account " + valueAccountId + " arrived under key " + key);
        }
        return key;
    }

    private AccountKeys() {}
}
