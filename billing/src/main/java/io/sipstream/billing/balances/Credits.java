package io.sipstream.billing.balances;

import io.sipstream.avro.Account;
import io.sipstream.avro.CreditChange;
import io.sipstream.avro.CreditType;
import io.sipstream.billing.inputs.BadRecordException;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;

/**
 * Applies a credit (a top-up, a refund, or an adjustment) to an account's balance once per
 * idempotency key: the first CreditChange with a key leaves a {@link CreditReceipt}, and any later
 * one with the key is a repeat, ignored while the receipt is kept ({@code billing.credit.key.retention}).
 * A credit in another currency than the balance's ({@link BalanceState#billedIn}) is refused, never
 * converted; its receipt says why.
 *
 * <p>A negative credit of type CREDIT is a refund: it may take back at most the credits the account
 * holds (received, less what earlier refunds and adjustments took), so a refund never takes more
 * than was paid in. A debit beyond that is an explicit ADJUSTMENT. The rule is applied here, where
 * an account's credits are handled one at a time, so two refunds sent together cannot both pass.
 */
public final class Credits {

    /** What a credit record did. */
    public sealed interface Outcome permits Repeated, Applied, Refused {}

    /** The key was used before: nothing changes; {@code earlier} is the receipt of its first use. */
    public record Repeated(CreditReceipt earlier) implements Outcome {}

    /** The balance holds the credit now. */
    public record Applied(CreditReceipt receipt) implements Outcome {}

    /** Not applied; {@link CreditReceipt#refusal} says why. */
    public record Refused(CreditReceipt receipt) implements Outcome {}

    /** How the refusal of a refund larger than the credits begins: the REST API names the amount for it. */
    private static final String REFUND_REFUSED = "refund of ";

    /** The key of the credit's receipt, once the record is known to be a credit billing can apply or refuse. */
    public static String receiptKey(String accountId, CreditChange credit) {
        if (credit.getIdempotencyKey() == null || credit.getIdempotencyKey().isBlank()) {
            throw new BadRecordException("credit for " + accountId + " has no idempotency key");
        }
        if (credit.getAmount() == null || credit.getCurrency() == null) {
            throw new BadRecordException("credit " + credit.getIdempotencyKey() + " for " + accountId + " has no amount or currency");
        }
        return CreditReceipt.key(accountId, credit.getIdempotencyKey());
    }

    /**
     * Applies the credit to {@code state} unless {@code earlier} (the receipt of its key) says it was
     * seen; {@code partition} and {@code offset} say where the record was read, so that the REST API
     * can tell whether its own record was the one applied.
     */
    public static Outcome apply(String accountId, CreditChange credit, CreditReceipt earlier, Account account, BalanceState state,
                                int partition, long offset, long now) {
        if (earlier != null) return new Repeated(earlier);
        String currency = state.billedIn(account);
        CreditReceipt receipt = new CreditReceipt();
        receipt.amount = Money.of(credit.getAmount());
        receipt.currency = credit.getCurrency();
        receipt.partition = partition;
        receipt.offset = offset;
        receipt.processedAt = now;
        if (!credit.getCurrency().equals(currency)) {
            receipt.applied = false;
            receipt.refusal = "credit in " + credit.getCurrency() + " refused: account " + accountId + " is billed in " + currency;
            return new Refused(receipt);
        }
        BigDecimal amount = Money.of(credit.getAmount());
        if (credit.getType() != CreditType.ADJUSTMENT && amount.signum() < 0 && amount.negate().compareTo(state.credits) > 0) {
            receipt.applied = false;
            receipt.refusal = REFUND_REFUSED + amount.negate().toPlainString() + " " + currency + " refused: account " + accountId
                    + " holds " + state.credits.toPlainString() + " " + currency + " of credits, and a refund takes back no more;"
                    + " a larger debit is an adjustment (type ADJUSTMENT)";
            return new Refused(receipt);
        }
        receipt.applied = true;
        state.currency = currency;
        state.credits = Money.of(state.credits.add(credit.getAmount()));
        return new Applied(receipt);
    }

    /** Whether a refusal is about the amount (a refund larger than the credits), else about the currency. */
    public static boolean refusedAmount(CreditReceipt receipt) {
        return receipt.refusal != null && receipt.refusal.startsWith(REFUND_REFUSED);
    }

    /** Whether a repeated key asks for what its first use did: else the REST API answers 409. */
    public static boolean sameCredit(CreditReceipt earlier, BigDecimal amount, String currency) {
        return earlier.amount.compareTo(amount) == 0 && earlier.currency.equals(currency);
    }

    private Credits() {}
}
