package io.sipstream.billing.cdrs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.RatedCdr;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.retention.ExpiryIndex;
import io.sipstream.billing.retention.Retention;
import io.sipstream.billing.state.MapState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CdrArchiveTest {
    private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");

    private final MapState<RatedCdr> cdrs = new MapState<>();
    private final MapState<Long> index = new MapState<>();
    private final BalanceState acme = new BalanceState();

    private CdrArchive archive(int perAccount, int batch) {
        return new CdrArchive(cdrs, new ExpiryIndex(index),
                new Retention(Duration.ofHours(2), perAccount, null, null, null, null, batch));
    }

    private void store(CdrArchive archive, String callId, int endSecond) {
        archive.store("acme", acme, Cdrs.cdr("acme", callId, T0, T0.plusSeconds(endSecond), 60, "0.60"), T0.toEpochMilli());
    }

    private List<String> stored() { return cdrs.map().values().stream().map(RatedCdr::getCallId).toList(); }

    @Test
    void shouldKeepCdrsNewestFirstAndCountThem() {
        CdrArchive archive = archive(10, 100);
        store(archive, "c1", 10);
        store(archive, "c2", 20);
        store(archive, "c2", 20); // the same CDR again counts once

        assertThat(stored()).containsExactly("c2", "c1");
        assertThat(acme.storedCdrs).isEqualTo(2);
        assertThat(index.map().keySet()).containsExactly(
                ExpiryIndex.key(ExpiryIndex.CDRS, T0.plusSeconds(10).toEpochMilli(), CdrKeys.key("acme", T0.plusSeconds(10), "c1")),
                ExpiryIndex.key(ExpiryIndex.CDRS, T0.plusSeconds(20).toEpochMilli(), CdrKeys.key("acme", T0.plusSeconds(20), "c2")));
    }

    @Test
    void shouldDropTheOldestOfTheAccountBeyondTheCapWithTheirIndexEntries() {
        CdrArchive archive = archive(3, 100);
        for (int i = 1; i <= 5; i++) store(archive, "c" + i, i * 10);
        archive.store("other", new BalanceState(), Cdrs.cdr("other", "o1", T0, T0.plusSeconds(1), 60, "0.60"), T0.toEpochMilli());

        assertThat(stored()).containsExactly("c5", "c4", "c3", "o1");
        assertThat(acme.storedCdrs).isEqualTo(3);
        assertThat(index.map()).hasSize(4);
    }

    @Test
    void shouldMakeRoomInBoundedStepsWhenTheCapWasLowered() {
        CdrArchive generous = archive(10, 100);
        for (int i = 1; i <= 6; i++) store(generous, "c" + i, i * 10);

        store(archive(2, 2), "c7", 70); // 7 over a cap of 2: two dropped per CDR stored
        assertThat(stored()).containsExactly("c7", "c6", "c5", "c4", "c3");
        assertThat(acme.storedCdrs).isEqualTo(5);
    }

    @Test
    void shouldNotStoreACdrPastItsRetention() {
        CdrArchive archive = archive(10, 100);
        archive.store("acme", acme, Cdrs.cdr("acme", "old", T0, T0.plusSeconds(60), 60, "0.60"),
                T0.plus(Duration.ofHours(3)).toEpochMilli());

        assertThat(cdrs.map()).isEmpty();
        assertThat(index.map()).isEmpty();
        assertThat(acme.storedCdrs).isZero();
    }
}
