package io.sipstream.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Account;
import io.sipstream.billing.balances.BalanceState;
import org.junit.jupiter.api.Test;

class AccountDefaultsTest {

    @Test
    void shouldBillAnUnknownAccountLikeANewPostpaidUsdAccountOnTheDefaultDeck() {
        Account unknown = AccountDefaults.orDefault("acme", null);
        assertThat(unknown.getAccountId()).isEqualTo("acme");
        assertThat(unknown.getPrepaid()).isFalse();
        assertThat(unknown.getCurrency()).isEqualTo("USD");
        assertThat(unknown.getRateDeckId()).isNull();
        assertThat(unknown.getCreditLimit()).isNull();

        Account known = Account.newBuilder().setAccountId("acme").setSipUsername("a").setSipDomain("d").setCurrency("EUR").build();
        assertThat(AccountDefaults.orDefault("acme", known)).isSameAs(known);
    }

    @Test
    void shouldBillTheBalanceInTheCurrencyOfItsFirstMovementElseTheAccounts() {
        Account euro = Account.newBuilder().setAccountId("acme").setSipUsername("a").setSipDomain("d").setCurrency("EUR").build();
        BalanceState state = new BalanceState();
        assertThat(state.billedIn(euro)).isEqualTo("EUR");
        state.currency = "USD";
        assertThat(state.billedIn(euro)).isEqualTo("USD");
    }
}
