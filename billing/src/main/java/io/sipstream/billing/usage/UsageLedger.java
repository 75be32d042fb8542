package io.sipstream.billing.usage;

import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.billing.retention.ExpiryIndex;
import io.sipstream.billing.retention.Retention;
import io.sipstream.billing.state.KeyValueState;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds each rated call to its account's usage windows (store {@code usage}): the UTC hour, day and
 * month of the call's start. A window past its retention is left alone: the store no longer holds
 * its sum, so an update would overwrite it, on the compacted billing.usage too, with this call alone.
 */
public final class UsageLedger {
    private static final Logger log = LoggerFactory.getLogger(UsageLedger.class);

    private final KeyValueState<Usage> windows;
    private final ExpiryIndex expiry;
    private final Retention retention;

    public UsageLedger(KeyValueState<Usage> windows, ExpiryIndex expiry, Retention retention) {
        this.windows = windows;
        this.expiry = expiry;
        this.retention = retention;
    }

    /**
     * Adds the call of {@code cdr}, which charged the balance {@code cost} in {@code currency}; the
     * windows it changed, by key, to publish.
     */
    public List<Map.Entry<String, Usage>> add(String accountId, RatedCdr cdr, String currency, BigDecimal cost, long now) {
        Instant nowInstant = Instant.ofEpochMilli(now);
        List<Map.Entry<String, Usage>> changed = new ArrayList<>(3);
        for (UsageWindows.Window window : UsageWindows.windowsOf(cdr.getStartedAt())) {
            String key = UsageWindows.key(accountId, window.period(), window.start());
            if (Retention.expired(retention.usage(window.period()), window.end().toEpochMilli(), now)) {
                log.warn("call {} of {} is not added to the {} window {}: the window is past its retention", cdr.getCallId(),
                        accountId, window.period(), window.start());
                continue;
            }
            Usage current = windows.get(key);
            Usage updated = UsageWindows.add(current, accountId, window, cdr, currency, cost, nowInstant);
            windows.put(key, updated);
            if (current == null) expiry.add(ExpiryIndex.usageKind(window.period()), window.end().toEpochMilli(), key);
            changed.add(new AbstractMap.SimpleImmutableEntry<>(key, updated));
        }
        return changed;
    }
}
