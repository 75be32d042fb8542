package io.sipstream.edge.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The nonces of the last challenges sent without a transaction, by request (Call-ID and Via branch), so that a
 * retransmitted INVITE gets the same 401 byte for byte. A caller without a transaction layer (SIPp) knows a resent
 * response only by its bytes: a 401 with another nonce would be a new, unexpected message and fail its call. Bounded:
 * the oldest is forgotten first (at 500 calls/s, 4,096 cover the 8 s in which an INVITE is resent five times).
 */
final class RecentChallenges {
    static final int CAPACITY = 4_096;
    private final Map<String, String> nonces = new LinkedHashMap<>(CAPACITY * 4 / 3 + 1) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) { return size() > CAPACITY; }
    };

    /** The nonce this request was challenged with, else a new one ({@code issue} given the time). */
    synchronized String nonceFor(String callId, String branch, long nowMillis, LongFunction<String> issue) {
        String key = callId + '\n' + branch;
        String nonce = nonces.get(key);
        if (nonce == null) {
            nonce = issue.apply(nowMillis);
            nonces.put(key, nonce);
        }
        return nonce;
    }

    synchronized int size() { return nonces.size(); }
}
