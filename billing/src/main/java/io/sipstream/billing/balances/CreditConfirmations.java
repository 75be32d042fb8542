package io.sipstream.billing.balances;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a credit POST waits for billing to decide on its record: the request registers its receipt
 * key before it sends the credit, and the credits processor completes the wait with the receipt it
 * wrote, or with the one it found when the key was used already. One instance is shared by the
 * topology and the REST API of a billing process.
 */
public final class CreditConfirmations {
    private final ConcurrentHashMap<String, List<CompletableFuture<CreditReceipt>>> waiting = new ConcurrentHashMap<>();

    /** A wait for the receipt of {@code receiptKey}; {@link #forget} it when done, answered or not. */
    public CompletableFuture<CreditReceipt> expect(String receiptKey) {
        CompletableFuture<CreditReceipt> receipt = new CompletableFuture<>();
        waiting.compute(receiptKey, (k, list) -> {
            List<CompletableFuture<CreditReceipt>> out = list == null ? new ArrayList<>(1) : list;
            out.add(receipt);
            return out;
        });
        return receipt;
    }

    public void forget(String receiptKey, CompletableFuture<CreditReceipt> receipt) {
        waiting.computeIfPresent(receiptKey, (k, list) -> {
            list.remove(receipt);
            return list.isEmpty() ? null : list;
        });
    }

    /** Called by the processor once the receipt is in its store. */
    public void confirm(String receiptKey, CreditReceipt receipt) {
        if (waiting.isEmpty()) return; // the usual case: nobody asked through this process
        List<CompletableFuture<CreditReceipt>> list = waiting.remove(receiptKey);
        if (list != null) list.forEach(f -> f.complete(receipt));
    }

    /** Requests waiting now, for tests. */
    int waiting() { return waiting.values().stream().mapToInt(List::size).sum(); }
}
