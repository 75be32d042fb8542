package io.sipstream.billing.blocks;

import java.time.Instant;

/**
 * Monthly allowances start again with each UTC month: tells, at each look, whether the month
 * turned since the last one, so that every account's block is decided again (an account blocked
 * for its used-up allowance is let through).
 */
public final class MonthlyReset {
    private String month;

    /** @param startedWall when billing started (wall clock): a month turned before that needs no reset */
    public MonthlyReset(long startedWall) { month = BlockPolicy.month(Instant.ofEpochMilli(startedWall)); }

    /** True once for each new month seen. */
    public boolean turned(long now) {
        String current = BlockPolicy.month(Instant.ofEpochMilli(now));
        if (current.equals(month)) return false;
        month = current;
        return true;
    }
}
