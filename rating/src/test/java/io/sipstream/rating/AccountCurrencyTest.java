package io.sipstream.rating;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccountCurrencyTest {

    @Test
    void shouldBillInTheBalancesCurrencyOnceItHasOne() {
        assertThat(AccountCurrency.billedIn("EUR", "USD")).isEqualTo("EUR");
    }

    @Test
    void shouldBillInTheRegistrysCurrencyBeforeTheBalanceHasOne() {
        assertThat(AccountCurrency.billedIn(null, "USD")).isEqualTo("USD");
        assertThat(AccountCurrency.billedIn("", "USD")).isEqualTo("USD");
    }
}
