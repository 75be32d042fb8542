package io.sipstream.billing.accounts;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a credit POST for an account billing has no record of waits for the registry's record:
 * the account may have been issued a moment ago and be on its way through registry.accounts. The
 * request registers before it looks at the store again, and the accounts processor completes the
 * wait when it stores the account. One instance is shared by the topology and the REST API of a
 * billing process.
 */
public final class AccountArrivals {
    private final ConcurrentHashMap<String, List<CompletableFuture<Void>>> waiting = new ConcurrentHashMap<>();

    /** A wait for the account's record; {@link #forget} it when done, answered or not. */
    public CompletableFuture<Void> expect(String accountId) {
        CompletableFuture<Void> arrival = new CompletableFuture<>();
        waiting.compute(accountId, (k, list) -> {
            List<CompletableFuture<Void>> out = list == null ? new ArrayList<>(1) : list;
            out.add(arrival);
            return out;
        });
        return arrival;
    }

    public void forget(String accountId, CompletableFuture<Void> arrival) {
        waiting.computeIfPresent(accountId, (k, list) -> {
            list.remove(arrival);
            return list.isEmpty() ? null : list;
        });
    }

    /** Called by the processor once the account is in its store. */
    public void arrived(String accountId) {
        if (waiting.isEmpty()) return; // the usual case: nobody asked through this process
        List<CompletableFuture<Void>> list = waiting.remove(accountId);
        if (list != null) list.forEach(f -> f.complete(null));
    }

    /** Requests waiting now, for tests. */
    int waiting() { return waiting.values().stream().mapToInt(List::size).sum(); }
}
