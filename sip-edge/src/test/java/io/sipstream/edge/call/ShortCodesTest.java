package io.sipstream.edge.call;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ShortCodesTest {

    @Test
    void shouldLetShortCodesThroughToTheRouterAndNothingElse() {
        assertThat(ShortCodes.mayBeEmergency("911")).isTrue();
        assertThat(ShortCodes.mayBeEmergency("112")).isTrue();
        assertThat(ShortCodes.mayBeEmergency("000")).isTrue();
        assertThat(ShortCodes.mayBeEmergency("10111")).isTrue();
        assertThat(ShortCodes.mayBeEmergency("+15551234567")).isFalse();
        assertThat(ShortCodes.mayBeEmergency("15551234567")).isFalse();
        assertThat(ShortCodes.mayBeEmergency("alice")).isFalse();
        assertThat(ShortCodes.mayBeEmergency("*911")).isFalse();
        assertThat(ShortCodes.mayBeEmergency("")).isFalse();
        assertThat(ShortCodes.mayBeEmergency(null)).isFalse();
    }
}
