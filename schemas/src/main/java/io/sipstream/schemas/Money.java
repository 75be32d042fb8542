package io.sipstream.schemas;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money as the schemas hold it: Avro decimal(20, 6). Every amount written to a record goes through
 * {@link #of}, because Avro refuses a BigDecimal whose scale differs from the schema's.
 */
public final class Money {
    public static final int SCALE = 6;
    public static final BigDecimal ZERO = BigDecimal.ZERO.setScale(SCALE);

    public static BigDecimal of(BigDecimal amount) {
        return amount.setScale(SCALE, RoundingMode.HALF_EVEN);
    }

    /** Parses "10.00", "-0.015"; throws IllegalArgumentException with the value on anything else. */
    public static BigDecimal parse(String text) {
        try {
            BigDecimal value = new BigDecimal(text.trim());
            if (value.scale() > SCALE) {
                throw new IllegalArgumentException("amount '" + text + "' has more than " + SCALE + " decimal places");
            }
            if (value.abs().compareTo(new BigDecimal("1e13")) >= 0) {
                throw new IllegalArgumentException("amount '" + text + "' is out of range");
            }
            return of(value);
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("amount '" + text + "' is not a decimal number");
        }
    }

    private Money() {}
}
