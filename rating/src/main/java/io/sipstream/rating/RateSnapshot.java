package io.sipstream.rating;

import io.sipstream.avro.Rate;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;

/** The rate a call was priced with, fixed when the call is first seen (kept in the call's state). */
public record RateSnapshot(String deckId, String prefix, BigDecimal pricePerMinute, BigDecimal connectionFee,
                           String currency, int firstIncrement, int nextIncrement) {

    public static RateSnapshot of(Rate rate) {
        return new RateSnapshot(rate.getDeckId(), rate.getPrefix(), Money.of(rate.getPricePerMinute()),
                rate.getConnectionFee() == null ? Money.ZERO : Money.of(rate.getConnectionFee()),
                rate.getCurrency(), rate.getFirstIncrement(), rate.getNextIncrement());
    }
}
