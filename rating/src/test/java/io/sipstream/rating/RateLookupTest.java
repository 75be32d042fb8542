package io.sipstream.rating;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Rate;
import io.sipstream.schemas.Money;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLookupTest {
    private final Map<String, Rate> rows = new HashMap<>();
    private final RateLookup lookup = new RateLookup(rows::get);

    @Test
    void shouldPriceACarriersDeckAloneWithoutFallingBackToDefault() {
        put(rate("carrier-a", "44", "0.010", "USD"));
        put(rate("carrier-a", "4420", "0.004", "USD"));
        put(rate("default", "33", "0.50", "USD"));
        assertThat(lookup.inDeck("carrier-a", "+442079460018").prefix()).isEqualTo("4420");
        assertThat(lookup.inDeck("carrier-a", "+447700900123").pricePerMinute()).isEqualTo(Money.parse("0.010"));
        assertThat(lookup.inDeck("carrier-a", "+33140000000")).as("no fallback to default").isNull();
        assertThat(lookup.inDeck(null, "+442079460018")).isNull();
        assertThat(lookup.inDeck("carrier-a", "not a number")).isNull();
    }

    @Test
    void shouldFindTheLongestPrefixAndRefuseAnotherCurrency() {
        put(rate("default", "1", "0.01", "USD"));
        put(rate("default", "1555", "0.05", "USD"));
        put(rate("eu", "33", "0.02", "EUR"));
        assertThat(lookup.find(null, "+15551234567", "USD").rate().prefix()).isEqualTo("1555");
        assertThat(lookup.find("eu", "+15561234567", "USD").rate().prefix()).isEqualTo("1");
        assertThat(lookup.find("eu", "+33140000000", "USD").refusal()).contains("is in EUR");
        assertThat(lookup.find(null, "+33140000000", "USD").refusal()).contains("no rate for +33140000000");
        assertThat(lookup.find(null, "sip:+1555000@example.com", "USD").rate().prefix()).isEqualTo("1555");
        assertThat(lookup.find(null, null, "USD").rated()).isFalse();
    }

    @Test
    void shouldPriceInTheAccountsOwnDeckThenTheDefaultDeck() {
        put(rate("gold", "1555", "0.02", "USD"));
        put(rate("default", "1", "0.50", "USD"));
        put(rate("default", "44", "0.30", "USD"));
        RateSnapshot own = lookup.find("gold", "+15551234567", "USD").rate();
        assertThat(own.deckId()).isEqualTo("gold");
        assertThat(own.pricePerMinute()).isEqualTo(Money.parse("0.02"));
        // a longer default prefix does not beat the own deck: the own deck is searched first, whole
        put(rate("default", "15551", "0.90", "USD"));
        assertThat(lookup.find("gold", "+15551234567", "USD").rate().deckId()).isEqualTo("gold");
        assertThat(lookup.find("gold", "+442079460000", "USD").rate()).extracting(RateSnapshot::deckId, RateSnapshot::prefix)
                .containsExactly("default", "44");
        // a blank deck id is the default deck
        assertThat(lookup.find(" ", "+15551234567", "USD").rate().prefix()).isEqualTo("15551");
    }

    @Test
    void shouldNotFallBackToTheDefaultDeckWhenTheOwnDecksRateIsInAnotherCurrency() {
        put(rate("gold", "1555", "0.02", "EUR"));
        put(rate("default", "1", "0.10", "USD"));
        RateLookup.Result refused = lookup.find("gold", "+15551234567", "USD");
        assertThat(refused.rated()).isFalse();
        assertThat(refused.refusal()).isEqualTo("rate gold:1555 is in EUR but the account is billed in USD");
        assertThat(lookup.find("gold", "+12125551234", "USD").rate().prefix()).isEqualTo("1");
    }

    @Test
    void shouldNameTheDecksItSearchedWhenNoneRatesTheDestination() {
        put(rate("default", "44", "0.10", "USD"));
        assertThat(lookup.find("gold", "+15551234567", "USD").refusal())
                .isEqualTo("no rate for +15551234567 in deck 'gold' nor in deck 'default'");
        assertThat(lookup.find(null, "+15551234567", "USD").refusal()).isEqualTo("no rate for +15551234567 in deck 'default'");
        assertThat(lookup.find(null, "sip:alice@example.com", "USD").refusal()).isEqualTo("no destination number to rate");
    }

    private void put(Rate rate) { rows.put(RateKeys.key(rate.getDeckId(), rate.getPrefix()), rate); }

    private static Rate rate(String deck, String prefix, String price, String currency) {
        return Rate.newBuilder().setDeckId(deck).setPrefix(prefix).setPricePerMinute(Money.parse(price)).setCurrency(currency)
                .setConnectionFee(Money.ZERO).build();
    }
}
