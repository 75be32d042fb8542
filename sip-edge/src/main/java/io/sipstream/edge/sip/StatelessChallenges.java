package io.sipstream.edge.sip;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The first INVITEs the edge challenged without a transaction (RFC 3261 8.2.7), by Call-ID and Via branch, with the
 * nonce each got. A resent INVITE is known by it: it gets the same 401 byte for byte (a caller without a transaction
 * layer, SIPp, knows a resent response only by its bytes: another nonce would be an unexpected message and fail its
 * call), is not refused by the overload valve, and is not judged again against the edge's state. Bounded: the oldest
 * is forgotten first (8,192: 8 s at 1,000 calls/s, in which an INVITE is resent five times), and one older than
 * 32 s (Timer B: the caller has given up by then) is not used. Keyed by a 64-bit hash, so that long Call-IDs pin no
 * memory; a collision only gives two callers the same nonce, which either may use.
 */
public final class StatelessChallenges {
    static final int CAPACITY = 8_192;
    static final long REMEMBERED_MILLIS = 32_000;

    private record Issued(String nonce, long atMillis) {}

    private final Map<Long, Issued> issued = new LinkedHashMap<>(CAPACITY * 4 / 3 + 1) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Issued> eldest) { return size() > CAPACITY; }
    };

    /** The nonce this request was challenged with, else null (never challenged, or too long ago). */
    public synchronized String nonceOf(String callId, String branch, long nowMillis) {
        Issued i = issued.get(key(callId, branch));
        return i == null || nowMillis - i.atMillis() > REMEMBERED_MILLIS ? null : i.nonce();
    }

    /** Whether this request (a resend of one) was challenged in the last 32 s. */
    public boolean knows(String callId, String branch, long nowMillis) { return nonceOf(callId, branch, nowMillis) != null; }

    /** Remembers the nonce a request is challenged with ({@code issue} given the time) and returns it. */
    public String remember(String callId, String branch, long nowMillis, LongFunction<String> issue) {
        String nonce = issue.apply(nowMillis); // an HMAC: outside the lock
        synchronized (this) {
            issued.put(key(callId, branch), new Issued(nonce, nowMillis));
        }
        return nonce;
    }

    synchronized int size() { return issued.size(); }

    private static Long key(String callId, String branch) {
        long h = 0x9e3779b97f4a7c15L ^ callId.length();
        for (int part : new int[] {callId.hashCode(), branch.hashCode(), branch.length()}) {
            h = (h ^ part) * 0xbf58476d1ce4e5b9L;
            h ^= h >>> 31;
        }
        return h;
    }
}
