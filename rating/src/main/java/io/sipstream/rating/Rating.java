package io.sipstream.rating;

import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The arithmetic of rating, in exact decimals: billable seconds after increments and the cost of
 * those seconds. Costs are rounded half-even to the 6 decimals of the schemas once per call.
 */
public final class Rating {
    private static final BigDecimal SIXTY = BigDecimal.valueOf(60);

    /**
     * Billable seconds of an answered duration: the first increment is charged whole, the rest in
     * whole next increments, each rounded up (60/60, 30/6, 1/1 ...). Nothing answered bills nothing.
     */
    public static long billableSeconds(long durationMillis, int firstIncrement, int nextIncrement) {
        if (durationMillis <= 0) return 0;
        if (nextIncrement < 1) throw new IllegalArgumentException("next increment must be at least 1 second");
        long first = Math.max(0, firstIncrement);
        long firstMillis = first * 1000L;
        if (durationMillis <= firstMillis) return first;
        long rest = durationMillis - firstMillis;
        long nextMillis = nextIncrement * 1000L;
        long steps = (rest + nextMillis - 1) / nextMillis;
        return first + steps * nextIncrement;
    }

    /** Price per minute times billable seconds, exact to the schemas' 6 decimals. */
    public static BigDecimal minutesCost(BigDecimal pricePerMinute, long billableSeconds) {
        if (billableSeconds <= 0) return Money.ZERO;
        return Money.of(pricePerMinute.multiply(BigDecimal.valueOf(billableSeconds))
                .divide(SIXTY, Money.SCALE, RoundingMode.HALF_EVEN));
    }

    /** The cost of an answered call: its minutes and the connection fee. */
    public static BigDecimal callCost(RateSnapshot rate, long billableSeconds) {
        return Money.of(minutesCost(rate.pricePerMinute(), billableSeconds).add(rate.connectionFee()));
    }

    /**
     * What the first minute of a call costs at a rate (its increments and the connection fee): how
     * least-cost routes compare carriers, so a cheap minute behind a large fee or a 5-minute first
     * increment is not taken for cheap.
     */
    public static BigDecimal firstMinuteCost(RateSnapshot rate) {
        return callCost(rate, billableSeconds(60_000, rate.firstIncrement(), Math.max(1, rate.nextIncrement())));
    }

    private Rating() {}
}
