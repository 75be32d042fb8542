package io.sipstream.billing.inputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AccountKeysTest {

    @Test
    void shouldTakeTheKeyElseTheValuesAccountAndRefuseAValueOfAnotherAccount() {
        assertThat(AccountKeys.accountId("acme", "acme", "credit")).isEqualTo("acme");
        assertThat(AccountKeys.accountId("acme", null, "credit")).isEqualTo("acme");
        assertThat(AccountKeys.accountId(null, "acme", "credit")).isEqualTo("acme");
        assertThatThrownBy(() -> AccountKeys.accountId("acme", "other", "call event")).isInstanceOf(BadRecordException.class)
                .hasMessage("call event of account other arrived under key acme");
        assertThatThrownBy(() -> AccountKeys.accountId(" ", "", "credit")).isInstanceOf(BadRecordException.class)
                .hasMessage("credit without an account id");
    }
}
