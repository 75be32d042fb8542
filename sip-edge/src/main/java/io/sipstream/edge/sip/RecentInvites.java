package io.sipstream.edge.sip;

import java.util.Arrays;

/**
 * The INVITE datagrams the UDP reader queued for a SIP thread in the last seconds, by a hash of their bytes, so that
 * a retransmission of one still queued is queued too and not answered 503 on receipt: its transaction does not exist
 * yet (a SIP thread has not taken the original), so the stack cannot tell it is one, and a caller refused for it
 * would drop a call the edge goes on to connect. A retransmission is byte for byte the original (RFC 3261 17.1.1.2).
 *
 * <p>A ring: the newest {@link #CAPACITY} INVITEs, at most {@link #WINDOW_MILLIS} old (JAIN-SIP's congestion auditor
 * drops a datagram queued longer than that). Used by the reader thread alone: not thread-safe.
 */
final class RecentInvites {
    static final int CAPACITY = 4096;
    static final long WINDOW_MILLIS = 3_000;
    private final int[] hashes = new int[CAPACITY];
    private final long[] times = new long[CAPACITY];
    private int next;
    private int size;

    /** Remembers an INVITE datagram being queued at {@code nowMillis}. */
    void queued(byte[] datagram, long nowMillis) {
        hashes[next] = Arrays.hashCode(datagram);
        times[next] = nowMillis;
        next = (next + 1) % CAPACITY;
        if (size < CAPACITY) size++;
    }

    /** Whether a datagram with these bytes was queued within the window. */
    boolean wasQueued(byte[] datagram, long nowMillis) {
        int hash = Arrays.hashCode(datagram);
        for (int i = 1; i <= size; i++) {
            int at = Math.floorMod(next - i, CAPACITY);
            if (nowMillis - times[at] > WINDOW_MILLIS) return false; // older ones follow
            if (hashes[at] == hash) return true;
        }
        return false;
    }
}
