package io.sipstream.billing.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Usage;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.cdrs.Cdrs;
import io.sipstream.billing.retention.ExpiryIndex;
import io.sipstream.billing.retention.Retention;
import io.sipstream.billing.state.MapState;
import io.sipstream.schemas.Money;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsagePublicationTest {
    private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
    private static final String HOUR = "acme|HOUR|2025-03-10T12:00:00Z";
    private static final String NEXT_HOUR = "acme|HOUR|2025-03-10T13:00:00Z";
    private static final String DAY = "acme|DAY|2025-03-10T00:00:00Z";
    private static final String MONTH = "acme|MONTH|2025-03-01T00:00:00Z";

    private final MapState<Usage> windows = new MapState<>();
    private final MapState<BalanceState> balances = new MapState<>();
    private final UsageLedger ledger = new UsageLedger(windows, new ExpiryIndex(new MapState<>()),
            new Retention(Duration.ofDays(90), 100, Duration.ofDays(7), Duration.ofDays(400), null, Duration.ofDays(400), 10));
    private final List<Map.Entry<String, Usage>> sent = new ArrayList<>();
    private UsagePublication publication = publication();

    private UsagePublication publication() {
        return new UsagePublication(windows, Duration.ofSeconds(5), (key, usage, timestamp) -> sent.add(Map.entry(key, usage)));
    }

    /** One call of acme started at {@code start}, ended at wall time {@code now}; the balance stored as the processor does. */
    private void call(String callId, Instant start, long now) {
        BalanceState state = balances.get("acme") != null ? balances.get("acme") : new BalanceState();
        var changed = ledger.add("acme", Cdrs.cdr("acme", callId, start, start.plusSeconds(60), 60, "0.60"), "USD",
                Money.parse("0.60"), now);
        publication.changed("acme", state, start, changed, now, now);
        balances.put("acme", state);
    }

    private Map<String, Long> sentCalls() {
        Map<String, Long> last = new LinkedHashMap<>();
        sent.forEach(e -> last.put(e.getKey(), (long) e.getValue().getCalls()));
        sent.clear();
        return last;
    }

    @Test
    void shouldSendTheFirstCallOfAnIntervalAtOnceAndTheRestOncePerWindowAtTheFlush() {
        long now = T0.plusSeconds(120).toEpochMilli();
        call("c1", T0, now);
        assertThat(sentCalls()).containsExactly(Map.entry(HOUR, 1L), Map.entry(DAY, 1L), Map.entry(MONTH, 1L));

        call("c2", T0.plusSeconds(10), now + 1000);
        call("c3", T0.plusSeconds(3600), now + 2000); // the next hour: same day and month
        assertThat(sent).isEmpty();
        assertThat(balances.get("acme").unpublishedUsageHours).hasSize(2);

        publication.flush(balances, now + 5000);
        assertThat(sentCalls()).containsOnly(Map.entry(HOUR, 2L), Map.entry(NEXT_HOUR, 1L), Map.entry(DAY, 3L),
                Map.entry(MONTH, 3L));
        assertThat(balances.get("acme").unpublishedUsageHours).isEmpty();

        publication.flush(balances, now + 10_000);
        assertThat(sent).as("nothing marked, nothing sent").isEmpty();
        call("c4", T0.plusSeconds(20), now + 15_000); // an interval after the last send: at once again
        assertThat(sentCalls()).containsExactly(Map.entry(HOUR, 3L), Map.entry(DAY, 4L), Map.entry(MONTH, 4L));
    }

    @Test
    void shouldSendWhatAStoredBalanceMarksAfterARestart() {
        long now = T0.plusSeconds(120).toEpochMilli();
        call("c1", T0, now);
        call("c2", T0.plusSeconds(10), now + 1000);
        sent.clear();

        publication = publication(); // a new task: the memory is gone, the stored mark is not
        publication.flush(balances, now + 5000);
        assertThat(sent).as("an account not remembered is not looked at").isEmpty();
        publication.remember("acme");
        publication.flush(balances, now + 5000);
        assertThat(sentCalls()).containsOnly(Map.entry(HOUR, 2L), Map.entry(DAY, 2L), Map.entry(MONTH, 2L));
    }
}
