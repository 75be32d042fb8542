package io.sipstream.billing.usage;

import io.sipstream.avro.Usage;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.state.KeyValueState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * When billing.usage gets an account's changed usage windows. The first call of an account in an
 * interval ({@code billing.usage.publish.interval}) sends its windows at once, as before; the
 * account's further calls in that interval only mark their hour in the account's balance state
 * ({@link BalanceState#unpublishedUsageHours}), and {@link #flush} sends each marked window once,
 * as the store holds it then. A busy account so costs billing.usage three records an interval
 * instead of three a call, and the compacted topic's last value of every window is still the
 * store's sum: every change is either sent or marked, and the mark is cleared only with the send.
 *
 * <p>The mark is state, not memory, because Kafka Streams may commit between a change and the flush
 * (on a rebalance or a shutdown no punctuator runs first): the mark is committed with the change and
 * found again by {@link #remember} when the task starts. The memory here (which accounts are marked,
 * when each last sent) only saves scanning the balances at every flush.
 */
public final class UsagePublication {
    /** Where a window goes: billing.usage. */
    public interface Sink { void send(String windowKey, Usage usage, long timestamp); }

    private final KeyValueState<Usage> windows;
    private final long interval;
    private final Sink sink;
    private final Set<String> marked = new LinkedHashSet<>();
    private final Map<String, Long> lastSent = new HashMap<>();

    public UsagePublication(KeyValueState<Usage> windows, Duration interval, Sink sink) {
        this.windows = windows;
        this.interval = interval.toMillis();
        this.sink = sink;
    }

    /** An account whose stored balance has unpublished usage (read at the task's start). */
    public void remember(String accountId) { marked.add(accountId); }

    /**
     * A call of the account started at {@code callStart} changed {@code changed} (the windows {@link UsageLedger#add}
     * returned): sent now, or marked in {@code state}, which the caller stores.
     */
    public void changed(String accountId, BalanceState state, Instant callStart, List<Map.Entry<String, Usage>> changed,
                        long timestamp, long now) {
        if (changed.isEmpty()) return;
        Long last = lastSent.get(accountId);
        if (state.unpublishedUsageHours.isEmpty() && (last == null || now - last >= interval)) {
            for (Map.Entry<String, Usage> window : changed) sink.send(window.getKey(), window.getValue(), timestamp);
            lastSent.put(accountId, now);
        } else {
            state.unpublishedUsageHours.add(UsageWindows.windowsOf(callStart).getFirst().start().toEpochMilli());
            marked.add(accountId);
        }
    }

    /** Sends every marked window as the store holds it and clears the marks (the balances it changes are stored). */
    public void flush(KeyValueState<BalanceState> balances, long now) {
        for (String accountId : marked) {
            BalanceState state = balances.get(accountId);
            if (state == null || state.unpublishedUsageHours.isEmpty()) continue;
            Set<String> sent = new HashSet<>(); // the hours of one day share its day and month
            for (long hour : state.unpublishedUsageHours) {
                for (UsageWindows.Window window : UsageWindows.windowsOf(Instant.ofEpochMilli(hour))) {
                    String key = UsageWindows.key(accountId, window.period(), window.start());
                    if (!sent.add(key)) continue;
                    Usage usage = windows.get(key);
                    if (usage != null) sink.send(key, usage, now); // null: forgotten by its retention, and sent when it changed
                }
            }
            state.unpublishedUsageHours.clear();
            balances.put(accountId, state);
            lastSent.put(accountId, now);
        }
        marked.clear();
        lastSent.values().removeIf(sentAt -> now - sentAt >= interval); // past the interval, the next call sends at once
    }
}
