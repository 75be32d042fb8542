package io.sipstream.billing;

import static io.sipstream.billing.BillingDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.RatedCdr;
import io.sipstream.billing.cdrs.CdrFinder;
import io.sipstream.billing.cdrs.CdrFinder.Found;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CDR export's reading of one partition ({@link CdrFinder}) over the stores the topology filled: a
 * time window (from inclusive, to exclusive), oldest first, in pages that meet without a gap or a repeat,
 * across accounts (the retention's time index) and of one account (its own range of the store).
 */
class CdrWindowTopologyTest {
    private BillingDriver billing;
    private CdrFinder finder;

    @BeforeEach
    void start() {
        billing = new BillingDriver();
        billing.rate("default", "1", "0.60", 60, 60);
        // answered 5 s after T0; each ends when its talk ends: a1 and b1 in the same millisecond, so do a3 and a4
        talk("a", "a1", 10_000);
        talk("b", "b1", 10_000);
        talk("a", "a2", 30_000);
        talk("b", "b2", 50_000);
        talk("a", "a4", 70_000);
        talk("a", "a3", 70_000);
        finder = new CdrFinder(billing.store(StoreNames.CDRS), billing.store(StoreNames.EXPIRY));
    }

    @AfterEach
    void stop() { billing.close(); }

    @Test
    void shouldPageEveryAccountsCdrsOfTheWindowOldestFirstWithoutGapsOrRepeats() {
        CdrFinder.Window window = new CdrFinder.Window(T0.plusSeconds(15), T0.plusSeconds(75), null);

        List<List<String>> pages = pages(window, 3);

        assertThat(pages).containsExactly(List.of("a1", "b1", "a2"), List.of("b2"));
    }

    @Test
    void shouldLeaveOutWhatEndedBeforeFromOrAtToAndAfter() {
        assertThat(pages(new CdrFinder.Window(T0.plusMillis(15_001), T0.plusSeconds(55), null), 10))
                .containsExactly(List.of("a2"));
        assertThat(pages(new CdrFinder.Window(T0.plusSeconds(76), T0.plusSeconds(3600), null), 10)).isEmpty();
    }

    @Test
    void shouldPageOneAccountsCdrsInTheSameOrderWithCdrsOfOneMillisecondInKeyOrder() {
        CdrFinder.Window window = new CdrFinder.Window(T0, T0.plusSeconds(76), "a");

        assertThat(pages(window, 2)).containsExactly(List.of("a1", "a2"), List.of("a3", "a4"));
        assertThat(pages(window, 3)).containsExactly(List.of("a1", "a2", "a3"), List.of("a4"));
        assertThat(pages(new CdrFinder.Window(T0, T0.plusSeconds(76), "b"), 1)).containsExactly(List.of("b1"), List.of("b2"));
    }

    @Test
    void shouldPlaceACdrWhereTheIndexDoes() {
        Found first = finder.after(new CdrFinder.Window(T0, T0.plusSeconds(3600), null), null, 1).get(0);
        RatedCdr cdr = first.cdr();
        assertThat(CdrFinder.position(cdr.getAccountId(), cdr.getEndedAt(), cdr.getCallId())).isEqualTo(first.position());
    }

    /** Every page of the window, as call ids, each read after the last position of the one before. */
    private List<List<String>> pages(CdrFinder.Window window, int limit) {
        List<List<String>> pages = new ArrayList<>();
        String after = null;
        while (true) {
            List<Found> page = finder.after(window, after, limit);
            if (page.isEmpty()) return pages;
            assertThat(page).hasSizeLessThanOrEqualTo(limit);
            pages.add(page.stream().map(f -> f.cdr().getCallId()).toList());
            after = page.get(page.size() - 1).position();
        }
    }

    private void talk(String account, String callId, long millis) {
        billing.call(account, callId, "+15551234567").talk(millis);
        assertThat(billing.cdr(callId).getEndedAt()).isEqualTo(Instant.ofEpochMilli(T0.plusSeconds(5).toEpochMilli() + millis));
    }
}
