package io.sipstream.schemas;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money as the schemas hold it: Avro decimal(20, 6). Every amount written to a record goes through
 * {@link #of}, because Avro refuses a BigDecimal whose scale differs from the schema's.
 *
 * <p>An amount from outside (a REST body, a rate deck cell) is read with {@link #parse} or, when a
 * JSON parser already made a BigDecimal of it, checked with {@link #check}. Both bound the text,
 * the digits and the exponent before anything prints or rescales the value: {@code 1e999999999}
 * is eleven characters, and its plain form a billion.
 */
public final class Money {
    public static final int SCALE = 6;
    public static final BigDecimal ZERO = BigDecimal.ZERO.setScale(SCALE);
    /** Digits before the point: every amount is below 10^13 (decimal(20, 6) holds 14). */
    public static final int MAX_INTEGER_DIGITS = 13;
    /** The longest text read as an amount: "-9999999999999.999999" is 21 characters, the rest is room for spaces and zeros. */
    public static final int MAX_TEXT = 40;

    public static BigDecimal of(BigDecimal amount) {
        return amount.setScale(SCALE, RoundingMode.HALF_EVEN);
    }

    /** Parses "10.00", "-0.015" to the schemas' scale; throws IllegalArgumentException with the value on anything else. */
    public static BigDecimal parse(String text) {
        return of(read(text));
    }

    /** Like {@link #parse}, but the value at the scale it was written with ("10.5" stays 10.5). */
    public static BigDecimal read(String text) {
        if (text == null) throw new IllegalArgumentException("amount 'null' is not a decimal number");
        String trimmed = text.trim();
        // BigDecimal's parsing grows with the square of the digits: refuse a long text before reading it
        if (trimmed.length() > MAX_TEXT) {
            throw new IllegalArgumentException("amount '" + trimmed.substring(0, 20) + "...' is longer than " + MAX_TEXT + " characters");
        }
        BigDecimal value;
        try {
            value = new BigDecimal(trimmed);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("amount '" + text + "' is not a decimal number");
        }
        return check(value, text);
    }

    /**
     * The value itself (its scale untouched) when the schemas can hold it: at most {@value #SCALE}
     * decimal places and below 10^13 in size; else IllegalArgumentException. For an amount a JSON
     * parser already read: only its digit count and exponent are looked at, never its plain form.
     */
    public static BigDecimal check(BigDecimal value) {
        return check(value, null);
    }

    private static BigDecimal check(BigDecimal value, String text) {
        String shown = text != null ? text : abbreviated(value);
        if (value.scale() > SCALE) {
            throw new IllegalArgumentException("amount '" + shown + "' has more than " + SCALE + " decimal places");
        }
        // digits before the point, from the digit count and the exponent alone (0E+99 is zero, not large)
        if (value.signum() != 0 && (long) value.precision() - value.scale() > MAX_INTEGER_DIGITS) {
            throw new IllegalArgumentException("amount '" + shown + "' is out of range");
        }
        return value;
    }

    /** The scientific form (short whatever the exponent), cut to a readable length. */
    private static String abbreviated(BigDecimal value) {
        String s = value.toString();
        return s.length() <= MAX_TEXT ? s : s.substring(0, 20) + "..." + s.substring(s.length() - 12);
    }

    private Money() {}
}
