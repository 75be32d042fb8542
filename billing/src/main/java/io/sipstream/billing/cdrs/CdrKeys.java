package io.sipstream.billing.cdrs;

import java.time.Instant;

/**
 * Keys of the store {@code cdrs}: {@code accountId|newest-first time|callId}, so that a range scan
 * of one account lists its CDRs newest first.
 */
public final class CdrKeys {

    public static String key(String accountId, Instant endedAt, String callId) {
        return accountId + "|" + String.format("%019d", Long.MAX_VALUE - endedAt.toEpochMilli()) + "|" + callId;
    }

    public static String accountStart(String accountId) { return accountId + "|"; }

    public static String accountEnd(String accountId) { return accountId + "|\uffff"; }

    private CdrKeys() {}
}
