package io.sipstream.billing.cdrs;

import io.sipstream.billing.retention.ExpiryIndex;
import java.time.Instant;

/**
 * Keys of the store {@code cdrs}: {@code accountId|newest-first time|callId}, so that a range scan
 * of one account lists its CDRs newest first.
 */
public final class CdrKeys {

    public static String key(String accountId, Instant endedAt, String callId) {
        return accountId + "|" + ExpiryIndex.zeroPadded(Long.MAX_VALUE - endedAt.toEpochMilli()) + "|" + callId;
    }

    /** The end time (epoch millis) a key of {@link #key} of this account was made with. */
    public static long endedAtOf(String accountId, String key) {
        int from = accountId.length() + 1;
        return Long.MAX_VALUE - Long.parseLong(key.substring(from, from + 19));
    }

    public static String accountStart(String accountId) { return accountId + "|"; }

    public static String accountEnd(String accountId) { return accountId + "|\uffff"; }

    private CdrKeys() {}
}
