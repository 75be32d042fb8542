package io.sipstream.rating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.schemas.Money;
import org.junit.jupiter.api.Test;

class RatingTest {

    @Test
    void shouldCostTheFirstMinuteWithItsIncrementsAndFee() {
        RateSnapshot plain = new RateSnapshot("c", "44", Money.parse("0.010"), Money.ZERO, "USD", 60, 60);
        RateSnapshot withFee = new RateSnapshot("c", "44", Money.parse("0.005"), Money.parse("0.02"), "USD", 60, 60);
        RateSnapshot longFirst = new RateSnapshot("c", "44", Money.parse("0.004"), Money.ZERO, "USD", 300, 60);
        assertThat(Rating.firstMinuteCost(plain)).isEqualTo(Money.parse("0.010"));
        assertThat(Rating.firstMinuteCost(withFee)).isEqualTo(Money.parse("0.025"));
        assertThat(Rating.firstMinuteCost(longFirst)).isEqualTo(Money.parse("0.020"));
    }

    @Test
    void shouldRoundUpToIncrements() {
        assertThat(Rating.billableSeconds(0, 60, 60)).isZero();
        assertThat(Rating.billableSeconds(1, 60, 60)).isEqualTo(60);
        assertThat(Rating.billableSeconds(60_000, 60, 60)).isEqualTo(60);
        assertThat(Rating.billableSeconds(60_001, 60, 60)).isEqualTo(120);
        assertThat(Rating.billableSeconds(29_000, 30, 6)).isEqualTo(30);
        assertThat(Rating.billableSeconds(30_001, 30, 6)).isEqualTo(36);
        assertThat(Rating.billableSeconds(42_000, 30, 6)).isEqualTo(42);
        assertThat(Rating.billableSeconds(42_001, 30, 6)).isEqualTo(48);
        assertThat(Rating.billableSeconds(1_500, 1, 1)).isEqualTo(2);
        assertThat(Rating.billableSeconds(5_000, 0, 60)).isEqualTo(60);
    }

    @Test
    void shouldPriceExactlyWithoutFloatingPoint() {
        // 0.1 per minute for 7 seconds is 0.011666..: rounded half-even to 6 decimals
        assertThat(Rating.minutesCost(Money.parse("0.1"), 7)).isEqualTo(Money.parse("0.011667"));
        assertThat(Rating.minutesCost(Money.parse("0.012"), 30)).isEqualTo(Money.parse("0.006"));
        RateSnapshot rate = new RateSnapshot("d", "1", Money.parse("0.30"), Money.parse("0.10"), "USD", 60, 60);
        assertThat(Rating.callCost(rate, 180)).isEqualTo(Money.parse("1.00"));
        // many small costs add up exactly
        var sum = Money.ZERO;
        for (int i = 0; i < 1000; i++) sum = sum.add(Rating.minutesCost(Money.parse("0.006"), 60));
        assertThat(Money.of(sum)).isEqualTo(Money.parse("6.000000"));
    }

    @Test
    void shouldBillTheFirstIncrementWholeThenWholeNextIncrements() {
        // the whole-second durations the router's prepaid cap prices
        assertThat(Rating.billableSeconds(30_000, 30, 6)).isEqualTo(30);
        assertThat(Rating.billableSeconds(31_000, 30, 6)).isEqualTo(36);
        assertThat(Rating.billableSeconds(36_000, 30, 6)).isEqualTo(36);
        assertThat(Rating.billableSeconds(37_000, 30, 6)).isEqualTo(42);
        // no first increment: whole next increments from the first millisecond
        assertThat(Rating.billableSeconds(1_000, 0, 6)).isEqualTo(6);
        assertThat(Rating.billableSeconds(6_000, 0, 6)).isEqualTo(6);
        assertThat(Rating.billableSeconds(6_001, 0, 6)).isEqualTo(12);
        assertThat(Rating.billableSeconds(5_000, -5, 1)).isEqualTo(5);
        assertThat(Rating.billableSeconds(-1, 30, 6)).isZero();
    }

    @Test
    void shouldRefuseANextIncrementBelowOneSecond() {
        assertThatThrownBy(() -> Rating.billableSeconds(1_000, 60, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("next increment");
    }

    @Test
    void shouldRoundAMinutesCostHalfEvenToSixDecimals() {
        // 0.00001 per minute: 62 s cost 0.00001033.. and 63 s exactly 0.0000105, both 0.000010 as billed
        assertThat(Rating.minutesCost(Money.parse("0.00001"), 62)).isEqualTo(Money.parse("0.000010"));
        assertThat(Rating.minutesCost(Money.parse("0.00001"), 63)).isEqualTo(Money.parse("0.000010"));
        assertThat(Rating.minutesCost(Money.parse("0.00001"), 64)).isEqualTo(Money.parse("0.000011"));
        assertThat(Rating.minutesCost(Money.parse("1.00"), 0)).isEqualTo(Money.ZERO);
    }
}
