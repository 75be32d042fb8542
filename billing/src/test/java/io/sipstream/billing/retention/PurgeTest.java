package io.sipstream.billing.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.avro.UsagePeriod;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.cdrs.CdrArchive;
import io.sipstream.billing.cdrs.Cdrs;
import io.sipstream.billing.state.MapState;
import io.sipstream.billing.usage.UsageLedger;
import io.sipstream.schemas.Money;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PurgeTest {
    private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
    private static final long HOUR = Duration.ofHours(1).toMillis();

    private final MapState<RatedCdr> cdrs = new MapState<>();
    private final MapState<BalanceState> balances = new MapState<>();
    private final MapState<Usage> usage = new MapState<>();
    private final MapState<CreditReceipt> receipts = new MapState<>();
    private final MapState<Long> endedCalls = new MapState<>();
    private final MapState<Long> index = new MapState<>();
    private final ExpiryIndex expiry = new ExpiryIndex(index);
    private final Retention retention = new Retention(Duration.ofHours(2), 100, Duration.ofHours(1), Duration.ofHours(3), null,
            Duration.ofHours(1), 2);
    private final Purge purge = new Purge(expiry, retention, Duration.ofMinutes(30),
            new Purge.Stores(cdrs, balances, usage, receipts, endedCalls));

    @Test
    void shouldForgetCdrsPastTheirRetentionInBatchesAndCountThemOffTheBalance() {
        BalanceState acme = new BalanceState();
        CdrArchive archive = new CdrArchive(cdrs, expiry, retention);
        for (int i = 1; i <= 3; i++) {
            archive.store("acme", acme, Cdrs.cdr("acme", "c" + i, T0, T0.plusSeconds(i), 60, "0.60"), T0.toEpochMilli());
        }
        acme.cdrCount = 3;
        balances.put("acme", acme);

        purge.run(T0.toEpochMilli() + HOUR);
        assertThat(cdrs.map()).as("within the retention").hasSize(3);

        purge.run(T0.toEpochMilli() + 3 * HOUR);
        assertThat(cdrs.map().values()).extracting(RatedCdr::getCallId).containsExactly("c3");
        assertThat(balances.get("acme").storedCdrs).isEqualTo(1);
        purge.run(T0.toEpochMilli() + 3 * HOUR);
        assertThat(cdrs.map()).isEmpty();
        assertThat(balances.get("acme").storedCdrs).isZero();
        assertThat(balances.get("acme").cdrCount).as("CDRs rated ever").isEqualTo(3);
        assertThat(index.map()).isEmpty();
    }

    @Test
    void shouldForgetUsageWindowsByPeriodAndKeepMonthsForever() {
        new UsageLedger(usage, expiry, retention).add("acme", Cdrs.cdr("acme", "c1", T0, T0.plusSeconds(60), 60, "0.60"), "USD",
                Money.parse("0.60"), T0.toEpochMilli());

        purge.run(Instant.parse("2025-03-10T14:00:00Z").toEpochMilli()); // the hour ended at 13:00, kept 1 h
        assertThat(usage.map().keySet()).containsExactly("acme|DAY|2025-03-10T00:00:00Z", "acme|MONTH|2025-03-01T00:00:00Z");
        purge.run(Instant.parse("2025-03-11T03:00:00Z").toEpochMilli());
        assertThat(usage.map().keySet()).containsExactly("acme|MONTH|2025-03-01T00:00:00Z");
        assertThat(index.map().keySet()).allSatisfy(k -> assertThat(k).startsWith(ExpiryIndex.usageKind(UsagePeriod.MONTH)));
    }

    @Test
    void shouldForgetCreditKeysAndFinishedCallsAfterTheirRetentions() {
        long now = T0.toEpochMilli();
        receipts.put("acme|k1", new CreditReceipt());
        expiry.add(ExpiryIndex.CREDIT_KEYS, now, "acme|k1");
        endedCalls.put("acme|c1", now);
        expiry.add(ExpiryIndex.ENDED_CALLS, now, "acme|c1");

        purge.run(now + Duration.ofMinutes(31).toMillis());
        assertThat(endedCalls.map()).isEmpty();
        assertThat(receipts.map()).containsOnlyKeys("acme|k1");

        purge.run(now + HOUR);
        assertThat(receipts.map()).isEmpty();
        assertThat(index.map()).isEmpty();
    }
}
