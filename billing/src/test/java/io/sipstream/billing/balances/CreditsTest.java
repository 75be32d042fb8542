package io.sipstream.billing.balances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.avro.Account;
import io.sipstream.avro.CreditChange;
import io.sipstream.billing.inputs.BadRecordException;
import io.sipstream.schemas.Money;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CreditsTest {
    private static final long NOW = Instant.parse("2025-03-10T12:00:00Z").toEpochMilli();

    private static Account account(String currency) {
        return Account.newBuilder().setAccountId("acme").setSipUsername("acme").setSipDomain("d").setCurrency(currency).build();
    }

    private static CreditChange credit(String amount, String currency, String key) {
        return CreditChange.newBuilder().setAccountId("acme").setIdempotencyKey(key).setAmount(Money.parse(amount))
                .setCurrency(currency).setCreatedAt(Instant.ofEpochMilli(NOW)).build();
    }

    @Test
    void shouldApplyACreditToTheBalanceAndFixItsCurrency() {
        BalanceState state = new BalanceState();
        var outcome = Credits.apply("acme", credit("10.00", "USD", "k1"), null, account("USD"), state, 3, 42, NOW);

        assertThat(outcome).isInstanceOf(Credits.Applied.class);
        CreditReceipt receipt = ((Credits.Applied) outcome).receipt();
        assertThat(receipt.applied).isTrue();
        assertThat(receipt.amount).isEqualByComparingTo("10.00");
        assertThat(receipt.partition).isEqualTo(3);
        assertThat(receipt.offset).isEqualTo(42);
        assertThat(receipt.processedAt).isEqualTo(NOW);
        assertThat(state.credits).isEqualByComparingTo("10.00");
        assertThat(state.currency).isEqualTo("USD");
        assertThat(state.balance()).isEqualByComparingTo("10.00");
    }

    @Test
    void shouldTakeTheAccountsCurrencyUntilTheBalanceHasOneAndThenKeepIt() {
        BalanceState state = new BalanceState();
        assertThat(Credits.apply("acme", credit("5", "EUR", "k1"), null, account("EUR"), state, 0, 0, NOW))
                .isInstanceOf(Credits.Applied.class);
        // the account moved to USD: the balance stays in the currency of its first movement
        var outcome = Credits.apply("acme", credit("5", "USD", "k2"), null, account("USD"), state, 0, 1, NOW);

        assertThat(outcome).isInstanceOf(Credits.Refused.class);
        assertThat(((Credits.Refused) outcome).receipt().applied).isFalse();
        assertThat(((Credits.Refused) outcome).receipt().refusal).isEqualTo("credit in USD refused: account acme is billed in EUR");
        assertThat(state.credits).isEqualByComparingTo("5");
        assertThat(state.currency).isEqualTo("EUR");
    }

    @Test
    void shouldIgnoreAKeyUsedBefore() {
        BalanceState state = new BalanceState();
        CreditReceipt earlier = ((Credits.Applied) Credits.apply("acme", credit("10", "USD", "k1"), null, account("USD"), state, 0, 0,
                NOW)).receipt();

        var again = Credits.apply("acme", credit("10", "USD", "k1"), earlier, account("USD"), state, 0, 1, NOW + 1000);

        assertThat(again).isEqualTo(new Credits.Repeated(earlier));
        assertThat(state.credits).isEqualByComparingTo("10");
    }

    @Test
    void shouldTellARepeatOfTheSameCreditFromAnotherUseOfItsKey() {
        CreditReceipt earlier = new CreditReceipt();
        earlier.amount = Money.parse("10.00");
        earlier.currency = "USD";
        assertThat(Credits.sameCredit(earlier, Money.parse("10"), "USD")).isTrue();
        assertThat(Credits.sameCredit(earlier, Money.parse("11"), "USD")).isFalse();
        assertThat(Credits.sameCredit(earlier, Money.parse("10"), "EUR")).isFalse();
    }

    @Test
    void shouldKeyTheReceiptByAccountAndIdempotencyKeyAndRefuseRecordsWithoutThem() {
        assertThat(Credits.receiptKey("acme", credit("1", "USD", "topup-1"))).isEqualTo("acme|topup-1");

        CreditChange noKey = credit("1", "USD", "x");
        noKey.setIdempotencyKey(" ");
        assertThatThrownBy(() -> Credits.receiptKey("acme", noKey)).isInstanceOf(BadRecordException.class)
                .hasMessage("credit for acme has no idempotency key");
        CreditChange noAmount = credit("1", "USD", "k9");
        noAmount.setAmount(null);
        assertThatThrownBy(() -> Credits.receiptKey("acme", noAmount)).isInstanceOf(BadRecordException.class)
                .hasMessage("credit k9 for acme has no amount or currency");
    }
}
