package io.sipstream.billing.usage;

import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.avro.UsagePeriod;
import io.sipstream.schemas.Money;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Usage windows of an account in UTC (hour, day, month), keyed {@code accountId|PERIOD|windowStartIso}
 * on billing.usage and in the store {@code usage}. A call counts in the windows of its start.
 */
public final class UsageWindows {
    public static final char SEPARATOR = '|';

    public record Window(UsagePeriod period, Instant start, Instant end) {}

    public static List<Window> windowsOf(Instant at) {
        ZonedDateTime t = at.atZone(ZoneOffset.UTC);
        ZonedDateTime hour = t.truncatedTo(ChronoUnit.HOURS);
        ZonedDateTime day = t.truncatedTo(ChronoUnit.DAYS);
        ZonedDateTime month = day.withDayOfMonth(1);
        return List.of(new Window(UsagePeriod.HOUR, hour.toInstant(), hour.plusHours(1).toInstant()),
                new Window(UsagePeriod.DAY, day.toInstant(), day.plusDays(1).toInstant()),
                new Window(UsagePeriod.MONTH, month.toInstant(), month.plusMonths(1).toInstant()));
    }

    public static String key(String accountId, UsagePeriod period, Instant windowStart) {
        return accountId + SEPARATOR + period.name() + SEPARATOR + windowStart;
    }

    /** Range bounds of one account's windows of one period, in key (= time) order. */
    public static String periodStart(String accountId, UsagePeriod period) {
        return accountId + SEPARATOR + period.name() + SEPARATOR;
    }

    public static String periodEnd(String accountId, UsagePeriod period) {
        return periodStart(accountId, period) + '\uffff';
    }

    /** The window with one more CDR added; {@code cost} is what the balance was charged (0 when unrated). */
    public static Usage add(Usage current, String accountId, Window window, RatedCdr cdr, String currency,
                            java.math.BigDecimal cost, Instant now) {
        // a copy: the stored window may be shared (RememberingSerde); its fields are immutable values, so the
        // constructor copies what Avro's builder would deep-copy through its conversions
        Usage u = current != null ? new Usage(current.getAccountId(), current.getPeriod(), current.getWindowStart(),
                current.getWindowEnd(), current.getCalls(), current.getAnsweredCalls(), current.getBillableSeconds(),
                current.getCost(), current.getCurrency(), current.getUpdatedAt()) : Usage.newBuilder()
                .setAccountId(accountId).setPeriod(window.period())
                .setWindowStart(window.start()).setWindowEnd(window.end())
                .setCalls(0).setAnsweredCalls(0).setBillableSeconds(0)
                .setCost(Money.ZERO).setCurrency(currency).setUpdatedAt(now).build();
        u.setCalls(u.getCalls() + 1);
        if (cdr.getDisposition() == io.sipstream.avro.Disposition.ANSWERED) u.setAnsweredCalls(u.getAnsweredCalls() + 1);
        u.setBillableSeconds(u.getBillableSeconds() + cdr.getBillableSeconds());
        u.setCost(Money.of(u.getCost().add(cost)));
        u.setUpdatedAt(now);
        return u;
    }

    private UsageWindows() {}
}
