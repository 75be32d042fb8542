package io.sipstream.billing.balances;

import java.math.BigDecimal;

/**
 * The first CreditChange seen with an idempotency key (store {@code credit-receipts}, key
 * {@code accountId|idempotencyKey}): later ones with the same key are ignored. Where it was read
 * from lets the REST API tell whether its own record was the one applied.
 */
public final class CreditReceipt {
    public BigDecimal amount;
    public String currency;
    public int partition;
    public long offset;
    public long processedAt;
    public boolean applied;
    /** Why it was refused, when not applied. */
    public String refusal;

    public static String key(String accountId, String idempotencyKey) { return accountId + "|" + idempotencyKey; }
}
