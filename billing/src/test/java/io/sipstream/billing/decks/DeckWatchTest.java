package io.sipstream.billing.decks;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Rate;
import io.sipstream.rating.RateKeys;
import io.sipstream.schemas.Money;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class DeckWatchTest {
    private final DeckWatch watch = new DeckWatch();
    private final Map<String, Rate> store = new HashMap<>();
    private final Supplier<Function<String, Rate>> current = () -> store::get;

    private static Rate rate(String prefix, String price) {
        return Rate.newBuilder().setDeckId("d").setPrefix(prefix).setPricePerMinute(Money.parse(price)).setCurrency("USD").build();
    }

    private void apply(String key, Rate value) {
        if (value == null) store.remove(key);
        else store.put(key, value);
        watch.applied(key, value);
    }

    @Test
    void shouldEndTheWaitOnceEveryRowIsAppliedAndEveryRemovedRowGone() throws Exception {
        String one = RateKeys.key("d", "1");
        String two = RateKeys.key("d", "44");
        String gone = RateKeys.key("d", "49");
        store.put(gone, rate("49", "0.10"));
        var executor = Executors.newSingleThreadExecutor();
        try {
            Future<Boolean> applied = executor.submit(() -> watch.await(Map.of(one, rate("1", "0.60"), two, rate("44", "0.20")),
                    List.of(gone), current, Duration.ofSeconds(10)));
            Thread.sleep(100); // the request waits
            apply(one, rate("1", "0.60"));
            apply(two, rate("44", "0.99")); // not the row it wants
            apply(gone, null);
            assertThat(applied.isDone()).isFalse();
            apply(two, rate("44", "0.20"));
            assertThat(applied.get()).isTrue();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shouldSeeRowsAppliedBeforeTheWaitBegan() throws Exception {
        String one = RateKeys.key("d", "1");
        store.put(one, rate("1", "0.60"));
        assertThat(watch.await(Map.of(one, rate("1", "0.60")), List.of(), current, Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void shouldAnswerFalseAfterTheTimeoutAndStillCountRowsTheStoreHasByThen() throws Exception {
        String one = RateKeys.key("d", "1");
        assertThat(watch.await(Map.of(one, rate("1", "0.60")), List.of(), current, Duration.ofMillis(50))).isFalse();

        Supplier<Function<String, Rate>> restoredMeanwhile = new Supplier<>() {
            int looks;

            @Override
            public Function<String, Rate> get() {
                if (looks++ == 0) throw new IllegalStateException("store not queryable yet");
                return key -> rate("1", "0.60"); // restored without the updater
            }
        };
        assertThat(watch.await(Map.of(one, rate("1", "0.60")), List.of(), restoredMeanwhile, Duration.ofMillis(50))).isTrue();
    }

    @Test
    void shouldForgetAWaitOnceItEnded() throws Exception {
        String one = RateKeys.key("d", "1");
        assertThat(watch.await(Map.of(one, rate("1", "0.60")), List.of(), current, Duration.ofMillis(10))).isFalse();
        assertThat(watch.waiting()).isZero();
        apply(one, rate("1", "0.60"));
        assertThat(watch.await(Map.of(one, rate("1", "0.60")), List.of(), current, Duration.ofSeconds(10))).isTrue();
        assertThat(watch.waiting()).isZero();
        assertThat(watch.await(Map.of(), List.of(), current, Duration.ofMillis(10))).as("an empty deck").isTrue();
    }
}
