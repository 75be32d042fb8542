package io.sipstream.billing.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Usage;
import io.sipstream.billing.cdrs.Cdrs;
import io.sipstream.billing.retention.ExpiryIndex;
import io.sipstream.billing.retention.Retention;
import io.sipstream.billing.state.MapState;
import io.sipstream.schemas.Money;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsageLedgerTest {
    private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
    private static final String HOUR = "acme|HOUR|2025-03-10T12:00:00Z";
    private static final String DAY = "acme|DAY|2025-03-10T00:00:00Z";
    private static final String MONTH = "acme|MONTH|2025-03-01T00:00:00Z";

    private final MapState<Usage> windows = new MapState<>();
    private final MapState<Long> index = new MapState<>();
    private final UsageLedger ledger = new UsageLedger(windows, new ExpiryIndex(index),
            new Retention(Duration.ofDays(90), 100, Duration.ofHours(1), Duration.ofDays(400), null, Duration.ofDays(400), 10));

    @Test
    void shouldAddACallToTheHourDayAndMonthOfItsStart() {
        long now = T0.plusSeconds(120).toEpochMilli();
        var changed = ledger.add("acme", Cdrs.cdr("acme", "c1", T0.plusSeconds(5), T0.plusSeconds(65), 60, "0.60"), "USD",
                Money.parse("0.60"), now);
        ledger.add("acme", Cdrs.cdr("acme", "c2", T0.plusSeconds(70), T0.plusSeconds(80), 0, "0"), "USD", Money.ZERO, now);

        assertThat(changed).extracting(Map.Entry::getKey).containsExactly(HOUR, DAY, MONTH);
        for (String key : new String[] {HOUR, DAY, MONTH}) {
            Usage u = windows.get(key);
            assertThat(u.getCalls()).isEqualTo(2);
            assertThat(u.getAnsweredCalls()).isEqualTo(1);
            assertThat(u.getBillableSeconds()).isEqualTo(60);
            assertThat(u.getCost()).isEqualByComparingTo("0.60");
            assertThat(u.getUpdatedAt()).isEqualTo(Instant.ofEpochMilli(now));
        }
        assertThat(windows.get(MONTH).getWindowEnd()).isEqualTo(Instant.parse("2025-04-01T00:00:00Z"));
        // one index entry per window, from its end; months are kept forever but indexed all the same
        assertThat(index.map().keySet()).hasSize(3).anySatisfy(k -> assertThat(k).startsWith("usage-HOUR|").endsWith(HOUR));
    }

    @Test
    void shouldLeaveAWindowPastItsRetentionAloneAndUpdateTheOthers() {
        ledger.add("acme", Cdrs.cdr("acme", "c1", T0, T0.plusSeconds(60), 60, "0.60"), "USD", Money.parse("0.60"),
                T0.plusSeconds(60).toEpochMilli());
        windows.delete(HOUR); // purged: the hour ended at 13:00 and is kept 1 h

        long late = T0.plus(Duration.ofHours(2)).plusSeconds(1).toEpochMilli();
        var changed = ledger.add("acme", Cdrs.cdr("acme", "late", T0.plusSeconds(30), T0.plusSeconds(40), 0, "0"), "USD", Money.ZERO,
                late);

        assertThat(changed).extracting(Map.Entry::getKey).containsExactly(DAY, MONTH);
        assertThat(windows.get(HOUR)).isNull();
        assertThat(windows.get(DAY).getCalls()).isEqualTo(2);
    }
}
