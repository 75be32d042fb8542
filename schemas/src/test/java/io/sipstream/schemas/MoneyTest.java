package io.sipstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Amounts from outside: what the schemas hold is read, anything else refused before it costs anything. */
class MoneyTest {

    @Test
    void shouldReadAmountsAtTheSchemasScale() {
        assertThat(Money.parse(" 10.5 ")).isEqualTo(new BigDecimal("10.500000"));
        assertThat(Money.parse("-0.015")).isEqualTo(new BigDecimal("-0.015000"));
        assertThat(Money.parse("9999999999999.999999")).isEqualTo(new BigDecimal("9999999999999.999999"));
        assertThat(Money.parse("1e3")).isEqualTo(new BigDecimal("1000.000000"));
    }

    @Test
    void shouldRefuseWhatTheSchemasCannotHoldNamingTheValue() {
        assertThatThrownBy(() -> Money.parse("ten")).hasMessage("amount 'ten' is not a decimal number");
        assertThatThrownBy(() -> Money.parse(null)).hasMessage("amount 'null' is not a decimal number");
        assertThatThrownBy(() -> Money.parse("0.0000001")).hasMessage("amount '0.0000001' has more than 6 decimal places");
        assertThatThrownBy(() -> Money.parse("10000000000000")).hasMessage("amount '10000000000000' is out of range");
        assertThatThrownBy(() -> Money.parse("-1e13")).hasMessage("amount '-1e13' is out of range");
    }

    @Test
    void shouldRefuseAHugeExponentWithoutWritingTheNumberOut() {
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            assertThatThrownBy(() -> Money.parse("1e999999999")).hasMessage("amount '1e999999999' is out of range");
            assertThatThrownBy(() -> Money.parse("1e-999999999")).hasMessageContaining("more than 6 decimal places");
            // as a JSON parser hands it over: a BigDecimal of eleven characters whose plain form is a billion
            assertThatThrownBy(() -> Money.check(new BigDecimal("1e999999999"))).hasMessage("amount '1E+999999999' is out of range");
            assertThatThrownBy(() -> Money.check(new BigDecimal("-1e-999999999"))).hasMessage("amount '-1E-999999999' has more than 6 decimal places");
        });
        assertThat(Money.check(new BigDecimal("0E+999999999")).signum()).isZero();
        assertThat(Money.check(new BigDecimal("12.50"))).isEqualTo(new BigDecimal("12.50")); // its scale untouched
    }

    @Test
    void shouldRefuseALongTextBeforeParsingIt() {
        String digits = "1".repeat(1_000_000);
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertThatThrownBy(() -> Money.parse(digits))
                .hasMessage("amount '11111111111111111111...' is longer than 40 characters"));
        assertThatThrownBy(() -> Money.check(new BigDecimal("1".repeat(500))))
                .hasMessage("amount '11111111111111111111...111111111111' is out of range");
    }
}
