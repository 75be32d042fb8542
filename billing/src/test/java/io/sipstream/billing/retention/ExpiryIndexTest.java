package io.sipstream.billing.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.billing.state.MapState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpiryIndexTest {
    private final MapState<Long> store = new MapState<>();
    private final ExpiryIndex index = new ExpiryIndex(store);

    @Test
    void shouldListWhatIsDueOldestFirstUpToTheCutOffOfOneKindOnly() {
        index.add(ExpiryIndex.CDRS, 3000, "acme|c3");
        index.add(ExpiryIndex.CDRS, 1000, "acme|c1");
        index.add(ExpiryIndex.CDRS, 2000, "acme|c2");
        index.add(ExpiryIndex.CREDIT_KEYS, 500, "acme|k1");

        assertThat(index.due(ExpiryIndex.CDRS, 2000, 10)).extracting(ExpiryIndex.Entry::storeKey).containsExactly("acme|c1", "acme|c2");
        assertThat(index.due(ExpiryIndex.CDRS, 5000, 2)).extracting(ExpiryIndex.Entry::base).containsExactly(1000L, 2000L);
        assertThat(index.due(ExpiryIndex.CDRS, -1, 10)).isEmpty();
    }

    @Test
    void shouldForgetDueRecordsInBatchesAndKeepForeverWhatHasNoRetention() {
        for (int i = 1; i <= 5; i++) index.add(ExpiryIndex.ENDED_CALLS, i * 1000L, "acme|c" + i);
        List<String> deleted = new ArrayList<>();

        index.forgetDue(ExpiryIndex.ENDED_CALLS, null, 1_000_000, 10, deleted::add);
        assertThat(deleted).isEmpty();

        index.forgetDue(ExpiryIndex.ENDED_CALLS, Duration.ofSeconds(1), 5000, 2, deleted::add);
        assertThat(deleted).containsExactly("acme|c1", "acme|c2");
        index.forgetDue(ExpiryIndex.ENDED_CALLS, Duration.ofSeconds(1), 5000, 2, deleted::add);
        assertThat(deleted).containsExactly("acme|c1", "acme|c2", "acme|c3", "acme|c4");
        assertThat(store.map()).hasSize(1);
    }

    @Test
    void shouldPadTimesSoThatKeysSortByTime() {
        assertThat(ExpiryIndex.zeroPadded(42)).isEqualTo("0000000000000000042").isEqualTo(String.format("%019d", 42));
        assertThat(ExpiryIndex.key("cdrs", 9, "k").compareTo(ExpiryIndex.key("cdrs", 10, "k"))).isNegative();
    }
}
