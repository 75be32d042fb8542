package io.sipstream.registry.numbers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.registry.numbers.PhoneNumbers.InvalidNumberException;
import org.junit.jupiter.api.Test;

class PhoneNumbersTest {
    private final PhoneNumbers us = new PhoneNumbers("US", true);

    @Test
    void shouldReadEveryReasonableFormatToE164() {
        assertThat(us.parse("(555) 123-4567", null).e164()).isEqualTo("+15551234567");
        assertThat(us.parse("555.123.4567", "US").e164()).isEqualTo("+15551234567");
        assertThat(us.parse("+1 555 123 4567", "GB").e164()).isEqualTo("+15551234567");
        assertThat(us.parse("+44 20 7946 0018", "US").e164()).isEqualTo("+442079460018");
        assertThat(us.parse("(212) 555-0100", "US").e164()).isEqualTo("+12125550100");
    }

    @Test
    void shouldHandleInternationalPrefixes() {
        assertThat(us.parse("0044 20 7946 0018", "US").e164()).isEqualTo("+442079460018");
        assertThat(us.parse("0044 20 7946 0018", "GB").e164()).isEqualTo("+442079460018");
        assertThat(us.parse("011 44 20 7946 0018", "US").e164()).isEqualTo("+442079460018");
        assertThat(us.parse("020 7946 0018", "GB")).isEqualTo(new PhoneNumbers.Parsed("+442079460018", "GB"));
    }

    @Test
    void shouldSayWhyANumberIsRefused() {
        assertThatThrownBy(() -> us.parse("12345", null)).isInstanceOf(InvalidNumberException.class).hasMessageContaining("too short");
        assertThatThrownBy(() -> us.parse("hello", null)).hasMessageContaining("not a phone number");
        assertThatThrownBy(() -> us.parse("", null)).hasMessageContaining("empty");
        assertThatThrownBy(() -> us.parse("+1 212 555 0100 999", null)).hasMessageContaining("too long");
        assertThatThrownBy(() -> us.parse("(212) 555-0100", "GB")).hasMessageContaining("not a valid number for GB");
        assertThatThrownBy(() -> us.parse("+1 055 123 4567", null)).hasMessageContaining("not a valid number for US");
        assertThatThrownBy(() -> us.parse("+999 1234 5678", null)).hasMessageContaining("country code");
    }

    @Test
    void shouldRefuseFictionalNumbersWhenStrict() {
        assertThatThrownBy(() -> new PhoneNumbers("US", false).parse("+15551234567", null)).hasMessageContaining("not a valid number");
        assertThat(us.parse("+15551234567", null).region()).isEqualTo("US");
    }
}
