package io.sipstream.billing.balances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.avro.Account;
import io.sipstream.avro.CreditChange;
import io.sipstream.avro.CreditType;
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
    void shouldRefundNoMoreThanTheCreditsReceived() {
        BalanceState state = new BalanceState();
        Credits.apply("acme", credit("10.00", "USD", "k1"), null, account("USD"), state, 0, 0, NOW);
        assertThat(Credits.apply("acme", credit("-4.00", "USD", "r1"), null, account("USD"), state, 0, 1, NOW))
                .isInstanceOf(Credits.Applied.class);

        // 6.00 of credits are left to refund: 6.01 is more than was paid in
        var outcome = Credits.apply("acme", credit("-6.01", "USD", "r2"), null, account("USD"), state, 0, 2, NOW);

        assertThat(outcome).isInstanceOf(Credits.Refused.class);
        CreditReceipt receipt = ((Credits.Refused) outcome).receipt();
        assertThat(receipt.applied).isFalse();
        assertThat(receipt.refusal).isEqualTo("refund of 6.010000 USD refused: account acme holds 6.000000 USD of credits,"
                + " and a refund takes back no more; a larger debit is an adjustment (type ADJUSTMENT)");
        assertThat(Credits.refusedAmount(receipt)).isTrue();
        assertThat(state.credits).isEqualByComparingTo("6.00");
        assertThat(Credits.apply("acme", credit("-6.00", "USD", "r3"), null, account("USD"), state, 0, 3, NOW))
                .isInstanceOf(Credits.Applied.class);
        assertThat(state.balance()).isEqualByComparingTo("0");
    }

    @Test
    void shouldRefuseARefundOfAnAccountThatReceivedNothingButTakeAnExplicitAdjustment() {
        BalanceState state = new BalanceState();
        assertThat(Credits.apply("acme", credit("-1000000", "USD", "r1"), null, account("USD"), state, 0, 0, NOW))
                .isInstanceOf(Credits.Refused.class);
        assertThat(state.credits).isEqualByComparingTo("0");

        CreditChange adjustment = credit("-25.00", "USD", "a1");
        adjustment.setType(CreditType.ADJUSTMENT);
        assertThat(Credits.apply("acme", adjustment, null, account("USD"), state, 0, 1, NOW)).isInstanceOf(Credits.Applied.class);
        assertThat(state.balance()).isEqualByComparingTo("-25.00");
        // a refusal for the currency is not about the amount
        var euro = Credits.apply("acme", credit("-1", "EUR", "r2"), null, account("USD"), state, 0, 2, NOW);
        assertThat(Credits.refusedAmount(((Credits.Refused) euro).receipt())).isFalse();
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
