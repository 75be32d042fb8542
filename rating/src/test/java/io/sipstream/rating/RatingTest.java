package io.sipstream.rating;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Rate;
import io.sipstream.schemas.Money;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RatingTest {

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
    void shouldFindTheLongestPrefixAndRefuseAnotherCurrency() {
        Map<String, Rate> rows = Map.of(
                "default:1", rate("default", "1", "0.01", "USD"),
                "default:1555", rate("default", "1555", "0.05", "USD"),
                "eu:33", rate("eu", "33", "0.02", "EUR"));
        RateLookup lookup = new RateLookup(rows::get);
        assertThat(lookup.find(null, "+15551234567", "USD").rate().prefix()).isEqualTo("1555");
        assertThat(lookup.find("eu", "+15561234567", "USD").rate().prefix()).isEqualTo("1");
        assertThat(lookup.find("eu", "+33140000000", "USD").refusal()).contains("is in EUR");
        assertThat(lookup.find(null, "+33140000000", "USD").refusal()).contains("no rate for +33140000000");
        assertThat(lookup.find(null, "sip:+1555000@example.com", "USD").rate().prefix()).isEqualTo("1555");
        assertThat(lookup.find(null, null, "USD").rated()).isFalse();
    }

    private static Rate rate(String deck, String prefix, String price, String currency) {
        return Rate.newBuilder().setDeckId(deck).setPrefix(prefix).setPricePerMinute(Money.parse(price)).setCurrency(currency)
                .setConnectionFee(Money.ZERO).build();
    }
}
