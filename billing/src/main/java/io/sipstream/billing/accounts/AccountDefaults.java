package io.sipstream.billing.accounts;

import io.sipstream.avro.Account;

/**
 * What billing assumes of an account it has no registry.accounts record of (yet): it is billed
 * like a new account, postpaid, in USD, on the deck {@code default}. The processors and the REST
 * API's views both take an account through here.
 */
public final class AccountDefaults {

    /** The account as billed: {@code known}, else a new account with this id. */
    public static Account orDefault(String accountId, Account known) {
        return known != null ? known : Account.newBuilder().setAccountId(accountId).setSipUsername(accountId).setSipDomain("").build();
    }

    private AccountDefaults() {}
}
