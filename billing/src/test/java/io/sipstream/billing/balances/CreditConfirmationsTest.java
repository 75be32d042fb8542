package io.sipstream.billing.balances;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CreditConfirmationsTest {
    private final CreditConfirmations confirmations = new CreditConfirmations();

    private static CreditReceipt receipt(long offset) {
        CreditReceipt r = new CreditReceipt();
        r.offset = offset;
        r.applied = true;
        return r;
    }

    @Test
    void shouldCompleteEveryWaitOfAKeyWithTheReceiptAndNoOther() {
        var first = confirmations.expect("acme|k1");
        var second = confirmations.expect("acme|k1");
        var other = confirmations.expect("acme|k2");

        CreditReceipt receipt = receipt(7);
        confirmations.confirm("acme|k1", receipt);

        assertThat(first).isCompletedWithValue(receipt);
        assertThat(second).isCompletedWithValue(receipt);
        assertThat(other).isNotDone();
        assertThat(confirmations.waiting()).isEqualTo(1);
    }

    @Test
    void shouldForgetAWaitThatEndedUnanswered() {
        var wait = confirmations.expect("acme|k1");
        var still = confirmations.expect("acme|k1");
        confirmations.forget("acme|k1", wait);
        assertThat(confirmations.waiting()).isEqualTo(1);

        confirmations.confirm("acme|k1", receipt(1));
        assertThat(wait).isNotDone();
        assertThat(still).isDone();
        assertThat(confirmations.waiting()).isZero();
        confirmations.confirm("acme|k1", receipt(2)); // nobody waits: nothing happens
    }
}
