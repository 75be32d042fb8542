package io.sipstream.billing.decks;

import io.sipstream.avro.Rate;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where a rate deck PUT waits until this billing process rates with the new deck: the global
 * store's updater tells each row it applies, and a wait ends once every row of the deck holds its
 * new value and every removed row is gone. One instance is shared by the topology and the REST API.
 */
public final class DeckWatch {
    private final Set<Wait> waits = new HashSet<>();

    /** What one request waits for: the rows not yet as wanted (null: removed). */
    private static final class Wait {
        final Map<String, Rate> wanted = new HashMap<>();
        final Set<String> missing = new HashSet<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        void saw(String key, Rate value) {
            if (!wanted.containsKey(key)) return;
            if (Objects.equals(wanted.get(key), value)) missing.remove(key);
            else missing.add(key); // changed again since
            if (missing.isEmpty()) done.complete(null);
        }
    }

    /**
     * Waits at most {@code timeout} until the rows of {@code deck} (by key) and no row of
     * {@code removed} are applied; true when they are.
     *
     * @param current the global store's rows now (a key's row, null for none); it throws while the store
     *                cannot be read. Looked at once when the wait starts (rows applied before it) and
     *                once at its end (rows restored into the store without the updater)
     */
    public boolean await(Map<String, Rate> deck, Collection<String> removed, Supplier<Function<String, Rate>> current,
                         Duration timeout)
            throws InterruptedException {
        Wait wait = new Wait();
        wait.wanted.putAll(deck);
        for (String key : removed) wait.wanted.put(key, null);
        wait.missing.addAll(wait.wanted.keySet());
        synchronized (this) {
            waits.add(wait);
            // under the lock: a row applied before this look is seen here, any later one by applied()
            look(wait, current);
        }
        try {
            wait.done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            synchronized (this) {
                look(wait, current);
                return wait.done.isDone();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            synchronized (this) {
                waits.remove(wait);
            }
        }
    }

    private static void look(Wait wait, Supplier<Function<String, Rate>> current) {
        try {
            Function<String, Rate> rows = current.get();
            for (String key : Set.copyOf(wait.missing)) wait.saw(key, rows.apply(key));
        } catch (RuntimeException notQueryable) {
            // the store is not readable now (billing starting, restoring): the updater's notices still count
        }
        if (wait.missing.isEmpty()) wait.done.complete(null);
    }

    /** Called by the global store's updater after it wrote a row ({@code value} null: removed). */
    public synchronized void applied(String key, Rate value) {
        for (Wait wait : waits) wait.saw(key, value);
    }

    /** Requests waiting now, for tests. */
    synchronized int waiting() { return waits.size(); }
}
