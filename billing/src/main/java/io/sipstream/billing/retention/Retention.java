package io.sipstream.billing.retention;

import io.sipstream.avro.UsagePeriod;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import java.time.Duration;
import java.util.Locale;

/**
 * How long billing's interactive stores keep what the topics keep for longer: CDRs (by their end
 * time, and at most {@code cdrsPerAccount} per account), usage windows (by the end of the window;
 * {@code null} keeps them forever) and credit idempotency keys (by when billing applied them).
 * {@code purgeBatch} bounds the deletes of one kind per punctuation.
 */
public record Retention(Duration cdrs, int cdrsPerAccount, Duration usageHour, Duration usageDay, Duration usageMonth,
                        Duration creditKeys, int purgeBatch) {

    public static Retention from(Settings settings) {
        return new Retention(
                keep(settings, "billing.cdr.store.retention", Duration.ofDays(90)),
                settings.integer("billing.cdr.store.max.per.account", 10_000, 1, Integer.MAX_VALUE),
                keep(settings, "billing.usage.hour.retention", Duration.ofDays(7)),
                keep(settings, "billing.usage.day.retention", Duration.ofDays(400)),
                keep(settings, "billing.usage.month.retention", null),
                keep(settings, "billing.credit.key.retention", Duration.ofDays(400)),
                settings.integer("billing.purge.batch", 1000, 1, 1_000_000));
    }

    /** How long windows of a period are kept after their end; null: forever. */
    public Duration usage(UsagePeriod period) {
        return switch (period) {
            case HOUR -> usageHour;
            case DAY -> usageDay;
            case MONTH -> usageMonth;
        };
    }

    /** Whether a record whose retention counts from {@code base} is past {@code keep} (null: kept forever) at {@code now}. */
    public static boolean expired(Duration keep, long base, long now) {
        return keep != null && base <= now - keep.toMillis();
    }

    /** A positive duration, or {@code forever} (null). */
    private static Duration keep(Settings settings, String key, Duration fallback) {
        String raw = settings.string(key, null);
        if (raw != null && raw.toLowerCase(Locale.ROOT).equals("forever")) return null;
        Duration d = settings.duration(key, fallback);
        if (d != null && (d.isNegative() || d.isZero())) throw new ConfigException(key, d + " must be positive (or forever)");
        return d;
    }
}
