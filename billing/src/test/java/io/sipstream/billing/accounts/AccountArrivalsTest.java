package io.sipstream.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccountArrivalsTest {
    private final AccountArrivals arrivals = new AccountArrivals();

    @Test
    void shouldCompleteEveryWaitForTheAccountAndNoOther() {
        var first = arrivals.expect("acme");
        var second = arrivals.expect("acme");
        var other = arrivals.expect("globex");

        arrivals.arrived("acme");

        assertThat(first).isCompleted();
        assertThat(second).isCompleted();
        assertThat(other).isNotDone();
        assertThat(arrivals.waiting()).isEqualTo(1);
    }

    @Test
    void shouldForgetAWaitThatEndedUnanswered() {
        var wait = arrivals.expect("acme");
        arrivals.forget("acme", wait);
        assertThat(arrivals.waiting()).isZero();
        arrivals.arrived("acme"); // nobody waits: nothing happens
        assertThat(wait).isNotDone();
    }
}
